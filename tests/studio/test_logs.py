"""LOG_FORMAT=json (studio/logs.py): one JSON object a line, every line of a generation's
run carrying its id, in Celery's threads pool too; the gateway key in no format."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from celery.concurrency.thread import TaskPool
from django.db import connection

from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from studio.logs import logging_config

ROOT = Path(__file__).resolve().parents[2]
KEY = "llmtr-test-key"  # the emulator fixture's key


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream
        self.seen = 0

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def new(self) -> list[dict]:
        """Every line written since the last call, each parsed (it must be JSON)."""
        lines = self.lines()[self.seen :]
        self.seen += len(lines)
        return [json.loads(line) for line in lines]


@pytest.fixture
def json_logs():
    """The settings' logging with LOG_FORMAT=json, its console writing to a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(logging_config(log_format="json", level="INFO"))
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    yield Captured(stream)
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def of_the_studio(records: list[dict]) -> list[dict]:
    return [r for r in records if r["logger"].startswith(("generations", "llmtr"))]


def test_every_line_of_a_run_is_json_with_the_generations_id(
    json_logs, make_generation, owner, emulator
):
    json_logs.new()  # what the fixtures logged
    generation = make_generation(owner, "recraft/recraft-v4", run=False)
    emulator.inject("not_an_image")  # a run that logs in generations.* too

    worker.generation_run(generation_id=generation.pk)

    records = json_logs.new()
    assert {"generations.mirror", "llmtr.client"} <= {r["logger"] for r in records}
    for record in of_the_studio(records):
        assert record["generation_id"] == generation.pk, record
        assert {"time", "level", "logger", "message"} <= set(record)
        assert record["time"].endswith("+00:00")
    assert Generation.objects.get(pk=generation.pk).status == "failed"

    logging.getLogger("generations.services").info("after the run")
    assert "generation_id" not in json_logs.new()[-1]


def test_a_deferred_run_logs_its_id_from_the_worker_module(
    json_logs, make_generation, owner, emulator
):
    generation = make_generation(owner, "recraft/recraft-v4", run=False)
    emulator.inject("429", retry_after=120)
    json_logs.new()

    worker.generation_run(generation_id=generation.pk)

    lines = [r for r in json_logs.new() if r["logger"] == "generations.worker"]
    assert lines and "queued again" in lines[0]["message"]
    assert {r["generation_id"] for r in lines} == {generation.pk}


@pytest.mark.django_db(transaction=True)
def test_in_celerys_threads_pool_each_line_carries_its_own_generations_id(
    json_logs, catalog, media_root, emulator, owner
):
    model = find_model("recraft/recraft-v4")
    ids = [
        services.generation_create(user=owner, model=model, prompt=f"fox {n}", params={"n": 1}).pk
        for n in range(6)
    ]
    emulator.latency = 0.2  # the runs overlap
    json_logs.new()
    threads: dict[int, str] = {}

    def task(generation_id: int) -> None:
        try:
            worker.generation_run(generation_id=generation_id)
            threads[generation_id] = threading.current_thread().name
            logging.getLogger("generations.tasks").info("between tasks %s", generation_id)
        finally:
            connection.close()

    pool = TaskPool(limit=3)  # what `celery worker --pool threads` runs tasks in
    pool.start()
    try:
        results = [pool.apply_async(task, args=(pk,)) for pk in ids]
        for result in results:
            result.wait(timeout=60)
    finally:
        pool.stop()

    assert len(set(threads.values())) > 1 and len(set(threads.values())) < len(ids)
    records = json_logs.new()
    calls = [r for r in records if r["logger"] == "llmtr.client"]
    assert sorted(r["generation_id"] for r in calls) == sorted(ids)  # one call each
    between = [r for r in records if r["message"].startswith("between tasks")]
    assert len(between) == len(ids) and all("generation_id" not in r for r in between)
    assert set(Generation.objects.values_list("status", flat=True)) == {"succeeded"}


def test_the_gateway_key_is_in_no_line_of_either_format(json_logs, settings):
    settings.LLMTR_API_KEY = "sk-live-0123456789abcdef"
    log = logging.getLogger("generations.worker")
    log.info("sent with %s", settings.LLMTR_API_KEY)
    try:
        raise RuntimeError(f"refused key {settings.LLMTR_API_KEY}")
    except RuntimeError:
        log.exception("failed")
    records = json_logs.new()
    assert [r["message"] for r in records] == ["sent with [Filtered]", "failed"]
    assert "refused key [Filtered]" in records[1]["exc_info"]
    assert settings.LLMTR_API_KEY not in json_logs.stream.getvalue()

    from studio.logs import PlainFormatter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %s", (KEY,), None)
    settings.LLMTR_API_KEY = KEY
    assert PlainFormatter().format(record).endswith("INFO x key [Filtered]")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of plain, json"):
        logging_config(log_format="xml", level="INFO")


def test_with_log_format_json_the_web_process_writes_only_json_lines(tmp_path):
    """Settings as a deployment loads them: Django's own loggers (requests, runserver)
    come out as JSON too, not beside it."""
    script = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("Not Found: /nowhere")
logging.getLogger("django.server").info('"GET /health/ HTTP/1.1" 200 42')
logging.getLogger("gunicorn.error").info("Booting worker")
logging.getLogger("generations.views").error("with the key %s", "sk-live-secret-1")
"""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="studio.settings", LOG_FORMAT="json", DEBUG="1",
        LLMTR_BASE_URL="http://gateway.invalid", LLMTR_API_KEY="sk-live-secret-1",
        STUDIO_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stderr.splitlines()]
    assert [r["logger"] for r in records] == [
        "django.request", "django.server", "gunicorn.error", "generations.views",
    ]  # fmt: skip
    assert records[-1]["message"] == "with the key [Filtered]"
