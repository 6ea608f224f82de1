"""`make run`: prepare the one-machine studio, then `honcho start` the Procfile.

Checks that PORT and EMULATOR_PORT are free, migrates, creates the demo team once
(manage.py demo_setup), then runs honcho's `start` command, in this process, on the
Procfile's web, worker, ready and (unless LLMTR_BASE_URL is set) emulator. honcho is
the supervisor: it starts each process in a session of its own, and when one of them
ends or it gets SIGINT (Ctrl+C) or SIGTERM, it sends SIGTERM to every process group,
then SIGKILL to what is left after the grace below.

Around honcho, only settings and the exit status:
- a grace of 10 s instead of honcho's 5 (KILL_WAIT): celery's warm shutdown alone takes
  4-6 s with the filesystem broker, and should not end in a SIGKILL;
- SIGHUP (the terminal closed) stops like SIGTERM, and honcho's output tolerates the
  terminal being gone, so that it still gets to stop everything;
- a stop that was asked for exits 0; honcho ending because a process ended exits 1.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

import honcho.command
import honcho.manager

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MANAGE = [sys.executable, "manage.py"]
STOP_GRACE = 10  # seconds between honcho's SIGTERM and its SIGKILL
HONCHO_STOPPED_BY_SIGNAL = {130, 143}  # honcho's exit status after SIGINT, SIGTERM


class Stop(Exception):
    """SIGTERM or SIGHUP before honcho took over the signals."""


class Terminal(io.TextIOBase):
    """Our stdout for honcho's printer: once the terminal is gone (SIGHUP, then every
    write fails), output is dropped instead of raising in honcho's signal handler."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self.stream.write(text)
                self.stream.flush()
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        pass  # every write is flushed

    def isatty(self) -> bool:  # honcho colours its prefixes on a terminal
        return not self.gone and self.stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding


def envint(env: dict[str, str], name: str, default: int) -> int:
    value = env.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from None


def say(text: str, name: str, width: int) -> None:
    """Lines in honcho's format (time, name, |), so ours line up with its own."""
    stamp = time.strftime("%H:%M:%S")
    for line in text.splitlines() or [""]:
        print(f"{stamp} {name.ljust(width)} | {line}", flush=True)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")  # runserver serves static files, errors show details
    env["PYTHONUNBUFFERED"] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "studio.settings"
    # `make run` is the one-machine studio by design, and its banner says so; the
    # README's Deploying section is the production set-up. The runserver warning would
    # be one more line nobody running this can act on.
    env.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
    env["PORT"] = str(envint(env, "PORT", 8000))
    env["STUDIO_PORT"] = env["PORT"]  # honcho gives each process a PORT of its own
    env["EMULATOR_PORT"] = str(envint(env, "EMULATOR_PORT", 8090))
    env["WORKER_CONCURRENCY"] = str(envint(env, "WORKER_CONCURRENCY", 32))
    env["WORKER_FLAGS"] = "-B"  # one machine: beat runs inside the worker
    # The Procfile's `python` is this interpreter (the virtualenv's).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def check_ports(ports: list[int]) -> None:
    busy = [p for p in ports if port_open(p)]
    if busy:
        raise SystemExit(
            f"port {busy[0]} on {HOST} is in use; stop what listens there, "
            "or choose other ports: PORT=8001 EMULATOR_PORT=8091 make run"
        )


def step(name: str, argv: list[str], env: dict[str, str], width: int) -> list[str]:
    """Run one preparation command to its end, its lines shown as they come."""
    lines: list[str] = []
    with subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as child:
        try:
            assert child.stdout is not None
            for raw in child.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                lines.append(line)
                say(line, name, width)
        except BaseException:
            child.kill()
            raise
    if child.returncode:
        raise SystemExit(f"{name} exited with {child.returncode}; the studio was not started")
    return lines


def honcho_start(processes: list[str], env: dict[str, str]) -> int:
    """`honcho start PROCESSES` here; its exit status."""
    os.environ.clear()
    os.environ.update(env)  # what honcho hands to each process
    sys.stdout = Terminal(sys.stdout)
    honcho.manager.KILL_WAIT = STOP_GRACE
    # The terminal closed: stop as on SIGTERM (honcho's handler, installed by its loop).
    signal.signal(signal.SIGHUP, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))
    argv = ["start", "--procfile", str(ROOT / "Procfile"), "--app-root", str(ROOT)]
    argv += ["--env", os.devnull, *processes]  # .env is not read, as before
    try:
        honcho.command.main(argv)
    except SystemExit as end:
        return end.code if isinstance(end.code, int) else 1
    return 0


def main() -> int:
    env = environment()
    uses_emulator = not env.get("LLMTR_BASE_URL")
    processes = ["web", "worker", *(["emulator"] if uses_emulator else []), "ready"]
    width = max(len("system"), *(len(p) + 2 for p in processes))  # honcho pads so

    def stop(signum: int, frame: object) -> None:
        raise Stop(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    try:
        check_ports([int(env["PORT"])] + ([int(env["EMULATOR_PORT"])] if uses_emulator else []))
        step("migrate", [*MANAGE, "migrate", "--noinput"], env, width)
        demo = step("demo", [*MANAGE, "demo_setup"], env, width)
        # For ready's banner: the login, as demo_setup told it.
        env["STUDIO_DEMO_LOGIN"] = "\n".join(x for x in demo if x.startswith("Demo user"))
        code = honcho_start(processes, env)
    except (KeyboardInterrupt, Stop):
        code = 130  # before honcho's loop began: nothing of it is running
    except SystemExit as failed:
        say(str(failed), "prepare", width)
        return 1
    if code in HONCHO_STOPPED_BY_SIGNAL:
        say("stopped", "prepare", width)
        return 0
    say(f"honcho exited with {code}: stopped after an error (see above)", "prepare", width)
    return 1


if __name__ == "__main__":
    sys.exit(main())
