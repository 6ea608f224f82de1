"""A real Celery worker process over a real Redis broker, sharing the test database.

The worker is a subprocess (`celery -A studio worker`) configured through the same
environment variables production uses; it talks to the emulator over HTTP and writes
into the test database and a temporary media folder the test can read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    auth = f"{user}:{s['PASSWORD']}@" if s.get("PASSWORD") else f"{user}@"
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log_path = log
        self.process: subprocess.Popen | None = None

    def start(self, *extra: str) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "studio",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "8",
                "-Q",
                self.env["STUDIO_TEST_QUEUE"],
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                *extra,
            ],  # fmt: skip
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no chance to acknowledge or hand back tasks."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def worker_env(transactional_db, emulator, emulator_url, media_root, settings, tmp_path):
    """Environment for worker processes, and the test process set to publish to them."""
    from studio.celery import app

    queue = f"e2e-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url(),
        "LLMTR_BASE_URL": emulator_url,
        "LLMTR_API_KEY": "llmtr-test-key",
        "MEDIA_ROOT": str(media_root),
        "STUDIO_VAR_DIR": str(tmp_path / "var"),
        "STUDIO_TEST_QUEUE": queue,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
    }
    # Closing the app drops it from Celery's active apps, so a task module first
    # imported after this would never be registered with it: import them all first.
    app.loader.import_default_modules()
    app.close()
    app.amqp._producer_pool = None
    previous = (app.conf.broker_url, app.conf.task_default_queue, app.conf.broker_transport_options)
    app.conf.update(broker_url=redis_url(), task_default_queue=queue, broker_transport_options={})
    yield env
    app.close()
    app.amqp._producer_pool = None
    app.conf.update(
        broker_url=previous[0],
        task_default_queue=previous[1],
        broker_transport_options=previous[2],
    )


@pytest.fixture
def workers(worker_env, tmp_path):
    """Start workers with `workers(**extra_env)`; all are stopped at the end."""
    started: list[Worker] = []

    def start(*args: str, **extra_env: str) -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        worker = Worker({**worker_env, **extra_env}, log).start(*args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(predicate, *, timeout: float, what: str, worker: Worker | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker and worker.process and worker.process.poll() is not None:
            raise AssertionError(f"the worker exited while waiting for {what}:\n{worker.log()}")
        time.sleep(0.1)
    detail = f"\n--- worker log ---\n{worker.log()}" if worker else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")
