"""Restart drills with real processes: the broker, then the web server.

Redis here keeps nothing on disk (as on this machine), so a restart loses every
queued message: only the rows in the database, the claim and the sweeper stand
between that and lost generations.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings

from generations import services
from generations.catalog import catalog_refresh, find_model
from generations.models import GeneratedImage, Generation
from spend.models import LedgerEntry
from tests.workers import ROOT, wait_for

pytestmark = [pytest.mark.drill, pytest.mark.e2e]

FAST_RECOVERY = {
    "SWEEP_INTERVAL_SECONDS": "1",
    "SWEEP_QUEUED_AFTER_SECONDS": "3",
    "GENERATION_LEASE_SECONDS": "8",
    "CELERY_VISIBILITY_TIMEOUT": "6",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for this drill"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._answers, timeout=10, what="redis to start")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.kill()


def finished(ids: list[int]) -> bool:
    return Generation.objects.filter(pk__in=ids, status__in=Generation.FINISHED).count() == len(ids)


def assert_each_finished_once(ids: list[int], images_each: int = 1) -> None:
    for generation in Generation.objects.filter(pk__in=ids):
        assert generation.status == "succeeded", (generation.pk, generation.error_message)
        assert GeneratedImage.objects.filter(generation=generation).count() == images_each
        assert LedgerEntry.objects.filter(generation=generation, kind="settlement").count() == 1


def submit(user, n: int) -> list[int]:
    model = find_model("recraft/recraft-v2")
    return [
        services.generation_create(user=user, model=model, prompt=f"drill {i}", params={}).pk
        for i in range(n)
    ]


def test_a_redis_restart_mid_run_loses_no_generation(owner, workers, emulator, private_redis):
    from studio.celery import app

    app.close()
    app.amqp._producer_pool = None
    app.conf.broker_url = private_redis.url
    catalog_refresh()
    emulator.latency = 2.0
    worker = workers("-B", REDIS_URL=private_redis.url, **FAST_RECOVERY)

    before = submit(owner, 6)
    wait_for(lambda: emulator.in_flight >= 1, timeout=60, what="calls in flight", worker=worker)
    private_redis.kill()  # queued and unacknowledged messages are gone with it
    app.close()
    app.amqp._producer_pool = None
    during = submit(owner, 3)  # the broker is down: rows are kept, sending fails quietly
    assert Generation.objects.filter(pk__in=during, status="queued").count() == 3
    time.sleep(2)
    private_redis.start()

    wait_for(lambda: finished(before + during), timeout=120, what="every generation", worker=worker)
    assert_each_finished_once(before + during)


@pytest.fixture
def web_server(transactional_db, emulator_url, media_root, tmp_path, worker_env):
    """`manage.py runserver` as a real process on the test database."""
    port = free_port()
    env = {
        **worker_env,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    log = tmp_path / "web.log"
    processes: list[subprocess.Popen] = []

    def start() -> str:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True,
        )  # fmt: skip
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(base), timeout=30, what="the web server")
        return base

    def kill() -> None:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    yield start, kill
    kill()


def _answers(base: str) -> bool:
    try:
        return httpx.get(base + "/accounts/login/", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_web_restart_loses_nothing(owner, client, workers, emulator, web_server):
    start_web, kill_web = web_server
    catalog_refresh()
    emulator.latency = 2.0
    workers()
    client.force_login(owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    base = start_web()
    browser = httpx.Client(base_url=base, cookies={settings.SESSION_COOKIE_NAME: session})
    page = browser.get("/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        "/generate",
        data={
            "csrfmiddlewaretoken": token,
            "model": "recraft/recraft-v2",
            "fields_for": "recraft/recraft-v2",
            "prompt": "survives a web restart",
            "n": "2",
        },
        headers={"Referer": base + "/"},
    )
    assert response.status_code in (200, 302)
    generation = Generation.objects.get(prompt="survives a web restart")

    kill_web()  # SIGKILL, mid-generation
    assert (
        generation.status == "queued" or Generation.objects.get(pk=generation.pk).status != "failed"
    )
    start_web()

    wait_for(lambda: finished([generation.pk]), timeout=60, what="the generation")
    assert_each_finished_once([generation.pk], images_each=2)
    card = browser.get(f"/generations/{generation.pk}/card").text
    assert 'data-status="succeeded"' in card
    browser.close()
