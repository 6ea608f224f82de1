"""The compose topology, run natively on this machine for the deployment drill.

Every studio process is an entry of the Procfile started with `scripts/procfile.py`
(as docker-compose.yml starts it); nginx runs Debian's binary with
deploy/nginx.conf.template filled in the way the nginx image fills it in. PostgreSQL is
the machine's server (a database of the drill's own); Redis, SeaweedFS and nginx are
processes of the drill's own, on free ports, so it can stop and restart them.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import httpx
import psycopg

from tests.seaweed import Seaweed, free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PG_ADMIN = os.environ.get("DRILL_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Stack:
    folder: Path
    seaweed: Seaweed
    bucket: str
    processes: dict[str, Process] = field(default_factory=dict)
    database: str = field(default_factory=lambda: f"drill_{secrets.token_hex(4)}")
    redis_port: int = field(default_factory=free_port)
    emulator_port: int = field(default_factory=free_port)
    nginx_port: int = field(default_factory=free_port)
    web_ports: tuple[int, int] = field(default_factory=lambda: (free_port(), free_port()))
    redis: subprocess.Popen | None = None

    # --- configuration ------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def database_url(self) -> str:
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{self.database}"

    def env(self, **extra: str) -> dict[str, str]:
        """What every studio process gets: the compose file's x-app environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))}
        env.update(self.seaweed.env(self.bucket))
        env.update({
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "LLMTR_BASE_URL": f"http://127.0.0.1:{self.emulator_port}",
            "LLMTR_API_KEY": "llmtr-drill-key",
            "SECRET_KEY": "drill-" + "s" * 50,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": self.url,
            "TRUSTED_PROXY_COUNT": "1",
            "STUDIO_VAR_DIR": str(self.folder / "var"),
            "MEDIA_REDIRECT": "1",
            "EMULATOR_PORT": str(self.emulator_port),
            "EMULATOR_HOST": "127.0.0.1",
            # Short enough for a drill: a dead worker's generation is taken over in
            # seconds, a lost broker message is sent again in seconds.
            "GENERATION_LEASE_SECONDS": "8",
            "GENERATION_HEARTBEAT_SECONDS": "2",
            "SWEEP_INTERVAL_SECONDS": "2",
            "SWEEP_QUEUED_AFTER_SECONDS": "5",
            "CELERY_VISIBILITY_TIMEOUT": "30",
            "PYTHONUNBUFFERED": "1",
        })  # fmt: skip
        env.update(extra)
        return env

    # --- processes ----------------------------------------------------------------------

    def start(self, name: str, entry: str, **extra: str) -> Process:
        log = self.folder / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            popen = subprocess.Popen(
                [sys.executable, "scripts/procfile.py", entry],
                cwd=ROOT,
                env=self.env(**extra),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = Process(name, popen, log)
        return self.processes[name]

    def run(self, entry: str, timeout: float = 180, **extra: str) -> str:
        """Run a one-shot entry (setup) to the end; its output, or an error with it."""
        process = self.start(entry, entry, **extra)
        try:
            code = process.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(entry, kill=True)
            raise AssertionError(f"{entry} did not finish:\n{process.text()[-3000:]}") from None
        assert code == 0, f"{entry} exited {code}:\n{process.text()[-3000:]}"
        return process.text()

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def stop(self, name: str, *, kill: bool = False, timeout: float = 40) -> None:
        process = self.processes[name]
        if not process.alive:
            return
        os.killpg(process.popen.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait(timeout=10)

    def kill(self, name: str) -> None:
        """SIGKILL the process itself, as the kernel would: no cleanup, no goodbye."""
        process = self.processes[name]
        process.popen.send_signal(signal.SIGKILL)
        process.popen.wait(timeout=10)

    # --- PostgreSQL, Redis --------------------------------------------------------------

    def create_database(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')

    def drop_database(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def start_redis(self) -> None:
        log = self.folder / "logs" / "redis.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.redis = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port),
             "--save", "", "--appendonly", "no", "--logfile", str(log)],
        )  # fmt: skip
        wait_until(lambda: _redis_ping(self.redis_port), 20, "Redis")

    def stop_redis(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=20)

    # --- nginx --------------------------------------------------------------------------

    def nginx_config(self) -> Path:
        """deploy/nginx.conf.template filled in as the nginx image does (envsubst of
        the variables set, nothing else), inside a main config for a process of ours."""
        servers = " ".join(f"server 127.0.0.1:{port};" for port in self.web_ports)
        site = Template((ROOT / "deploy/nginx.conf.template").read_text()).safe_substitute(
            STUDIO_UPSTREAM_SERVERS=servers,
            NGINX_LISTEN=f"127.0.0.1:{self.nginx_port}",
            STUDIO_STATIC_ROOT=f"{self.folder / 'var' / 'staticfiles'}/",
        )
        prefix = self.folder / "nginx"
        for sub in ("logs", "temp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        (prefix / "site.conf").write_text(site)
        main = prefix / "nginx.conf"
        # Workers run as this user: pytest's folders are private to it (as root,
        # nginx would otherwise hand its workers to `nobody`, who cannot read them).
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        main.write_text(
            user + "worker_processes 1;\n"
            f"pid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/logs/error.log warn;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "  include /etc/nginx/mime.types;\n"
            "  log_format drill '$status $request_method $request_uri $upstream_addr';\n"
            f"  access_log {prefix}/logs/access.log drill;\n"
            f"  client_body_temp_path {prefix}/temp/body;\n"
            f"  proxy_temp_path {prefix}/temp/proxy;\n"
            f"  fastcgi_temp_path {prefix}/temp/fastcgi;\n"
            f"  uwsgi_temp_path {prefix}/temp/uwsgi;\n"
            f"  scgi_temp_path {prefix}/temp/scgi;\n"
            f"  include {prefix}/site.conf;\n"
            "}\n"
        )
        return main

    def nginx_test(self) -> subprocess.CompletedProcess:
        config = self.nginx_config()
        return subprocess.run(
            [NGINX, "-t", "-p", str(config.parent), "-c", str(config)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip

    def start_nginx(self) -> None:
        config = self.nginx_config()
        log = self.folder / "logs" / "nginx.log"
        with open(log, "ab") as out:
            popen = subprocess.Popen(
                [NGINX, "-p", str(config.parent), "-c", str(config), "-g", "daemon off;"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.processes["nginx"] = Process("nginx", popen, log)

    def nginx_statuses(self) -> list[tuple[int, str]]:
        """(status, request line) of every request nginx answered."""
        log = self.folder / "nginx" / "logs" / "access.log"
        rows = []
        for line in log.read_text().splitlines() if log.exists() else []:
            status, _, rest = line.partition(" ")
            rows.append((int(status), rest))
        return rows

    def health(self) -> httpx.Response:
        return httpx.get(f"{self.url}/health/?format=json", timeout=10)

    def teardown(self) -> None:
        for name in list(self.processes):
            try:
                self.stop(name, timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.stop_redis()
        self.drop_database()

    def logs(self) -> str:
        """The tail of every log, for a failure message."""
        parts = []
        for process in self.processes.values():
            parts.append(f"--- {process.name} ---\n{process.text()[-1500:]}")
        return "\n".join(parts)


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not ready after {seconds:.0f} s")
        time.sleep(0.25)


def _redis_ping(port: int) -> bool:
    result = subprocess.run(
        ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=5
    )
    return result.stdout.strip() == "PONG"


def received_tasks(log: str) -> list[str]:
    """Task ids a worker's log says it received."""
    return re.findall(r"Task generations\.tasks\.run_generation\[([0-9a-f-]+)\] received", log)
