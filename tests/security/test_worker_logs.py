"""A real Celery worker (threads pool, over Redis) with LOG_FORMAT=json: every line it
logs is one JSON object, the lines of a generation's run carry its id, and the gateway
key is in none of them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from generations import services
from generations.catalog import catalog_refresh, find_model
from generations.models import Generation
from tests.workers import ROOT, Worker, wait_for

pytestmark = [pytest.mark.e2e]


@pytest.fixture(autouse=True)
def redis_db_5(monkeypatch):
    """tests/workers.py reads REDIS_URL; these workers use db 5."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def json_worker(worker_env, tmp_path):
    """`celery --quiet ... worker` (no start-up banner) with LOG_FORMAT=json; what it
    logs (stderr) and what it prints (stdout) kept apart."""
    worker = Worker({**worker_env, "LOG_FORMAT": "json"}, tmp_path / "worker.log")
    queue = worker_env["STUDIO_TEST_QUEUE"]
    command = [
        sys.executable, "-m", "celery", "--quiet", "-A", "studio", "worker", "--pool",
        "threads", "--concurrency", "4", "-Q", queue, "--loglevel", "INFO",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(worker.log_path, "wb") as logs, open(tmp_path / "stdout", "wb") as printed:
        worker.process = subprocess.Popen(
            command, cwd=ROOT, env=worker.env, stdout=printed, stderr=logs,
            start_new_session=True,
        )  # fmt: skip
    yield worker
    worker.stop()


def test_a_json_worker_logs_json_lines_with_the_generation_id(
    owner, json_worker, emulator, tmp_path
):
    catalog_refresh()
    model = find_model("recraft/recraft-v4")
    generations = [
        services.generation_create(user=owner, model=model, prompt=f"fox {n}", params={"n": 1})
        for n in range(3)
    ]

    wait_for(
        lambda: set(Generation.objects.values_list("status", flat=True)) == {"succeeded"},
        timeout=60,
        what="three generations",
        worker=json_worker,
    )
    json_worker.stop()

    text = json_worker.log_path.read_text()
    records = [json.loads(line) for line in text.splitlines()]  # each line is JSON
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"] == "celery.worker.consumer.connection" for r in records)
    calls = [r for r in records if r["logger"] == "llmtr.client"]
    assert sorted(r["generation_id"] for r in calls) == sorted(g.pk for g in generations)
    ids = {g.pk for g in generations}
    assert all(r["generation_id"] in ids for r in records if r["logger"].startswith("generations"))
    assert "llmtr-test-key" not in text
    # Celery prints (not logs) one line on stdout when it stops: the only non-JSON one.
    assert (tmp_path / "stdout").read_text().strip() == "worker: Warm shutdown (MainProcess)"
