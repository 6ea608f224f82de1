"""`make run`: the whole studio on one machine, stopped by one Ctrl+C.

Migrates, creates the demo team (manage.py demo_setup), then supervises
  emulator  python -m llmtr.emulator on EMULATOR_PORT (unless LLMTR_BASE_URL is set)
  worker    celery worker, threads pool, beat embedded
  web       manage.py runserver on 127.0.0.1:PORT
loads the model catalog once the gateway answers, and prints the URL and the login.

Each child runs in a process group of its own, so a terminal's Ctrl+C reaches only this
supervisor, which then stops them in order (web and worker first, so that tasks still
running can finish against the emulator; the emulator last). SIGTERM and SIGHUP do the
same; a second Ctrl+C kills at once. If any child dies, everything stops and the exit
status is 1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SHUTDOWN_GRACE = 8.0  # seconds the web server and worker get to stop before they are killed
STARTUP_TIMEOUT = 60.0

_print_lock = threading.Lock()


def say(text: str, name: str = "run") -> None:
    with _print_lock:
        try:
            for line in text.splitlines() or [""]:
                sys.stdout.write(f"{name:<8} | {line}\n")
            sys.stdout.flush()
        except OSError:
            pass  # the terminal is gone (SIGHUP): stopping the children matters more


def exit_status(code: int) -> str:
    return f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from None


class Shutdown(Exception):
    """A stop was asked for (signal) or forced (a child died, startup failed)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class Child:
    name: str
    popen: subprocess.Popen
    output: list[str] = field(default_factory=list)
    pump: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass  # the whole group is gone already


class Supervisor:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.services: list[Child] = []  # long-running, in start order
        self.oneshots: list[Child] = []
        self.stop_signal: str | None = None
        self.stopping = False
        self.hurry = False

    # --- signals --------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        # Only flags: every wait below polls them, so a signal never lands mid-Popen.
        if self.stop_signal or self.stopping:
            self.hurry = True  # a second Ctrl+C: no more waiting
        self.stop_signal = signal.Signals(signum).name

    # --- children -------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], *, keep_output: bool = False) -> Child:
        popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,  # our own group: terminal signals go to the supervisor only
        )
        child = Child(name, popen)
        child.pump = threading.Thread(
            target=self._pump, args=(child, keep_output), name=f"pump-{name}", daemon=True
        )
        child.pump.start()
        return child

    @staticmethod
    def _pump(child: Child, keep: bool) -> None:
        assert child.popen.stdout is not None
        for raw in child.popen.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            if keep:
                child.output.append(line)
            say(line, child.name)

    def start(self, name: str, argv: list[str]) -> Child:
        child = self._spawn(name, argv)
        self.services.append(child)
        return child

    def run_once(self, name: str, argv: list[str], timeout: float) -> tuple[int, list[str]]:
        """Run a command to its end (watching the services meanwhile); its status, output."""
        child = self._spawn(name, argv, keep_output=True)
        self.oneshots.append(child)  # if the wait is cut short, stop_all stops it
        self.wait_for(lambda: not child.alive, timeout, f"{name} to finish")
        self.oneshots.remove(child)
        if child.pump:
            child.pump.join(timeout=2)
        return child.popen.returncode, child.output

    def check_services(self) -> None:
        if self.stop_signal:
            raise Shutdown(f"got {self.stop_signal}, stopping", 0)
        for child in self.services:
            code = child.popen.poll()
            if code is not None:
                raise Shutdown(f"{child.name} {exit_status(code)}; stopping everything", 1)

    def wait_for(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self.check_services()
            if time.monotonic() > deadline:
                raise Shutdown(f"gave up waiting for {what} after {timeout:.0f} s", 1)
            time.sleep(0.2)

    def watch(self) -> None:
        while True:
            self.check_services()
            time.sleep(0.25)

    # --- stopping -------------------------------------------------------------------
    def stop_all(self) -> None:
        self.stopping = True
        emulator = [c for c in self.services if c.name == "emulator"]
        others = [c for c in self.services if c.name != "emulator"] + self.oneshots
        self._stop(others, SHUTDOWN_GRACE)
        self._stop(emulator, 2.0)
        for child in self.services + self.oneshots:
            child.signal_group(signal.SIGKILL)  # leftovers, e.g. the worker's beat process
            if child.pump:
                child.pump.join(timeout=1)

    def _stop(self, children: list[Child], grace: float) -> None:
        for child in children:
            if child.alive:
                say(f"stopping {child.name}")
                child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while any(c.alive for c in children) and time.monotonic() < deadline and not self.hurry:
            time.sleep(0.1)
        for child in children:
            if child.alive:
                say(f"{child.name} did not stop in time: killing it")
                child.signal_group(signal.SIGKILL)
                child.popen.wait()


# --- readiness checks -----------------------------------------------------------------
def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def http_status(url: str) -> int | None:
    """The status the URL answers with, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


# --- the sequence ---------------------------------------------------------------------
@dataclass(frozen=True)
class Options:
    port: int
    emulator_port: int
    concurrency: int
    gateway_url: str  # empty: start and use the emulator

    @property
    def uses_emulator(self) -> bool:
        return not self.gateway_url


MANAGE = [sys.executable, "manage.py"]


def studio(sup: Supervisor, opts: Options) -> None:
    check_ports(opts)
    demo_lines = prepare(sup)
    start_services(sup, opts)
    load_catalog(sup)
    status = wait_for_web(sup, opts.port)
    say(banner(opts, demo_lines, status, broker_is_redis=bool(sup.env.get("REDIS_URL"))))
    sup.watch()


def check_ports(opts: Options) -> None:
    ports = [opts.port, opts.emulator_port] if opts.uses_emulator else [opts.port]
    busy = [p for p in ports if port_open(p)]
    if busy:
        raise Shutdown(
            f"port {busy[0]} on {HOST} is in use; stop what listens there, "
            "or choose other ports: PORT=8001 EMULATOR_PORT=8091 make run",
            1,
        )


def prepare(sup: Supervisor) -> list[str]:
    """Migrate and make sure the demo team exists; what demo_setup said about the login."""
    code, _ = sup.run_once("migrate", [*MANAGE, "migrate", "--noinput"], 300)
    if code:
        raise Shutdown(f"migrate {exit_status(code)}", 1)
    code, output = sup.run_once("demo", [*MANAGE, "demo_setup"], 60)
    if code:
        raise Shutdown(f"demo_setup {exit_status(code)}", 1)
    return [line for line in output if line.startswith("Demo user")]


def start_services(sup: Supervisor, opts: Options) -> None:
    if opts.uses_emulator:
        emulator = [sys.executable, "-m", "llmtr.emulator", "--port", str(opts.emulator_port)]
        sup.start("emulator", emulator)
        sup.wait_for(lambda: port_open(opts.emulator_port), 20, "the emulator")
    worker = [sys.executable, "-m", "celery", "-A", "studio", "worker", "--pool", "threads"]
    worker += ["--concurrency", str(opts.concurrency), "-B", "--loglevel", "INFO"]
    sup.start("worker", worker)
    web = [*MANAGE, "runserver", f"{HOST}:{opts.port}", "--noreload"]
    if sup.env.get("DEBUG", "").lower() in ("0", "false", "no", "off"):
        web.append("--insecure")  # runserver serves static files only in DEBUG otherwise
    sup.start("web", web)


def load_catalog(sup: Supervisor) -> None:
    code, _ = sup.run_once("catalog", [*MANAGE, "refresh_catalog", "--wait", "15"], 90)
    if code:
        say("WARNING: the model catalog could not be loaded; the picker stays empty until")
        say("the worker's periodic refresh succeeds (see the catalog lines above).")


def wait_for_web(sup: Supervisor, port: int) -> int:
    """Wait until the login page answers; the status it answers with."""
    answers: list[int] = []

    def answered() -> bool:
        status = http_status(f"http://{HOST}:{port}/accounts/login/")
        if status is not None:
            answers.append(status)
        return bool(answers)

    sup.wait_for(answered, STARTUP_TIMEOUT, "the web server")
    return answers[0]


def banner(opts: Options, demo_lines: list[str], status: int, *, broker_is_redis: bool) -> str:
    gateway = (
        f"the built-in emulator on http://{HOST}:{opts.emulator_port}"
        if opts.uses_emulator
        else opts.gateway_url
    )
    broker = "Redis" if broker_is_redis else "a local folder (filesystem)"
    lines = [
        f"The studio is running at http://{HOST}:{opts.port}/",
        *demo_lines,
        f"Gateway: {gateway}",
        f"Worker: {opts.concurrency} threads, beat embedded; broker: {broker}",
        "Press Ctrl+C to stop everything.",
    ]
    if status != 200:
        lines.insert(1, f"(the login page answers {status}: see the web lines above)")
    rule = "=" * 72
    return "\n".join([rule, *[f"  {line}" for line in lines], rule])


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")  # runserver serves static files, errors show details
    env["PYTHONUNBUFFERED"] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "studio.settings"
    # `make run` is the one-machine studio by design, and its banner says so; the
    # README's Deploying section is the production set-up. The runserver warning would
    # be one more line nobody running this can act on.
    env.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
    env.setdefault("EMULATOR_PORT", "8090")
    sup = Supervisor(env)
    sup.install_signal_handlers()
    status = 0
    try:
        opts = Options(
            port=envint("PORT", 8000),
            emulator_port=envint("EMULATOR_PORT", 8090),
            concurrency=envint("WORKER_CONCURRENCY", 32),
            gateway_url=env.get("LLMTR_BASE_URL", ""),
        )
        studio(sup, opts)
    except Shutdown as stop:
        say(stop.reason)
        status = stop.status
    finally:
        sup.stop_all()
    say("stopped" if status == 0 else "stopped after an error (see above)")
    return status


if __name__ == "__main__":
    sys.exit(main())
