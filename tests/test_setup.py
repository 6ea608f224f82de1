"""`make run`, end to end: honcho starts the studio, one Ctrl+C stops all of it.

Runs scripts/prepare.py (what `make run` runs once .venv is ready: migrate, demo_setup,
then `honcho start` on the Procfile) on free ports with its own STUDIO_VAR_DIR, in the
one-machine configuration: SQLite, a filesystem broker and the emulator, whatever the
environment of the test run points at.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from teams.access import membership_of

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-setup-test-pw"
# What would move the stack off the one-machine defaults (CI sets the first two).
DEPLOYMENT_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "LLMTR_BASE_URL",
    "LLMTR_API_KEY",
    "AWS_STORAGE_BUCKET_NAME",
    "MEDIA_ROOT",
    "SECRET_KEY",
    "DEBUG",
    "HTTPS",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) from /proc, or None once the pid is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid, pgrp = text.rpartition(")")[2].split()[:3]
    return state, int(ppid), int(pgrp)


def descendants(parent: int) -> set[int]:
    """Every process under the parent, at any depth (honcho starts each Procfile process
    in a session of its own), and everything in their process groups (e.g. beat)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))):
            stats[int(entry.name)] = stat
    found: set[int] = set()
    level = {parent}
    while level:
        level = {pid for pid, (_, ppid, _) in stats.items() if ppid in level} - found
        found |= level
    groups = {stats[pid][2] for pid in found}
    return found | {pid for pid, (_, _, pgrp) in stats.items() if pgrp in groups} - {parent}


def in_groups(groups: set[int]) -> set[int]:
    """The live processes of these process groups."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))):
            if stat[2] in groups and stat[0] != "Z":
                found.add(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def running(pid: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has exited, just not been reaped


@dataclass
class Stack:
    process: subprocess.Popen
    port: int
    emulator_port: int
    lines: list[str] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # every descendant ever listed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return "\n".join(self.lines[-80:])

    def wait_for_line(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, f"prepare.py exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in {timeout} s:\n{self.output()}"
            time.sleep(0.2)

    def children(self) -> set[int]:
        found = descendants(self.process.pid)
        self.seen |= found
        return found

    def interrupt(self) -> None:
        """Ctrl+C as a terminal sends it: SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARS}
    port, emulator_port = free_port(), free_port()
    env.update(
        PORT=str(port),
        EMULATOR_PORT=str(emulator_port),
        STUDIO_VAR_DIR=str(tmp_path / "var"),
        DEMO_PASSWORD=PASSWORD,
        WORKER_CONCURRENCY="4",
    )
    process = subprocess.Popen(
        [sys.executable, "scripts/prepare.py"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group, as make run in a terminal would have
    )
    stack = Stack(process, port, emulator_port)

    def read() -> None:
        for raw in process.stdout:
            stack.lines.append(raw.decode(errors="replace").rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield stack
    finally:
        # Whatever the test did, leave no process behind.
        if process.poll() is None:
            stack.children()
            stack.interrupt()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for pid in stack.seen:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        reader.join(timeout=5)


def log_in(http: httpx.Client, username: str, password: str) -> httpx.Response:
    page = http.get("/accounts/login/")
    assert page.status_code == 200, page.text[:2000]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the login page has no CSRF token"
    return http.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
    )


@pytest.mark.e2e
def test_make_run_serves_the_studio_and_one_ctrl_c_stops_everything(stack):
    stack.wait_for_line("The studio is running at", timeout=90)
    assert "Demo user: demo" in stack.output()
    assert re.search(r"Catalog refreshed: [1-9][0-9]* models", stack.output())
    assert listening(stack.emulator_port)
    children = stack.children()
    assert len(children) >= 3, "expected the emulator, the worker and the web server"
    commands = " | ".join(command_line(pid) for pid in children)
    for service in ("llmtr.emulator", "celery -A studio worker", "manage.py runserver"):
        assert service in commands, f"no {service} among the processes: {commands}"
    groups = {stat[2] for pid in children if (stat := _proc_stat(pid))}

    with httpx.Client(base_url=stack.url, timeout=10) as http:
        answer = log_in(http, "demo", PASSWORD)
        assert answer.status_code == 302, answer.text[:2000]
        studio = http.get("/")
        assert studio.status_code == 200, studio.text[:2000]
        assert "gpt-image-2" in studio.text
        assert "Recraft" in studio.text

    stack.interrupt()
    deadline = time.monotonic() + 15
    while any(running(pid) for pid in children) or stack.process.poll() is None:
        survivors = [pid for pid in children if running(pid)]
        assert time.monotonic() < deadline, f"still running: {survivors}\n{stack.output()}"
        time.sleep(0.2)
    assert stack.process.returncode == 0, stack.output()
    assert in_groups(groups) == set(), "processes left in the studio's process groups"
    assert not listening(stack.port)
    assert not listening(stack.emulator_port)
    # A quiet start: no warning a newcomer could not act on (issue 12).
    warnings = [line for line in stack.output().splitlines() if re.search(r"warn", line, re.I)]
    assert warnings == []


def run_demo_setup() -> str:
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_setup_creates_the_demo_team_once_and_says_how_to_reset(monkeypatch):
    from django.contrib.auth import authenticate

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first = run_demo_setup()
    generated = re.search(r"Demo user: demo / (\S+) \(generated", first)
    assert generated, first
    user = authenticate(username="demo", password=generated[1])
    assert user and membership_of(user).is_admin and membership_of(user).team.name == "Demo team"

    again = run_demo_setup()
    assert "exists" in again and "DEMO_PASSWORD=" in again
    assert generated[1] not in again

    monkeypatch.setenv("DEMO_PASSWORD", "a-new-demo-password")
    run_demo_setup()
    assert authenticate(username="demo", password="a-new-demo-password")


def settings_variables() -> set[str]:
    source = (ROOT / "studio" / "settings.py").read_text()
    names = set(re.findall(r'env(?:bool|int|float)?\(\s*"([A-Z][A-Z0-9_]*)"', source))
    return names | {"DATABASE_URL"}  # read by dj_database_url.config()


def test_env_example_and_readme_describe_every_setting():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    assert settings_variables() - listed == set(), "add these to .env.example"
    readme = (ROOT / "README.md").read_text()
    in_table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", readme, re.MULTILINE))
    assert settings_variables() - in_table == set(), "add these to README.md's table"
