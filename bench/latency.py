"""Latency: submit in the browser -> images visible, minus the gateway's own time.

Target: at most 1 s (median) on top of the gateway latency. Everything is real: a
web server process, a Celery worker over Redis, PostgreSQL, the emulator over HTTP,
and Chromium driven by Playwright pressing Ctrl+Enter and waiting for the image to
be decoded in the page.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid

import httpx

from bench.common import (
    DEFAULT_BENCH_DB,
    ROOT,
    ensure_postgres_database,
    free_port,
    median,
    migrate,
    report,
    setup_django,
    stop_processes,
    wait_until,
)

RUNS = int(os.environ.get("BENCH_LATENCY_RUNS", "12"))
GATEWAY_LATENCY = float(os.environ.get("BENCH_GATEWAY_LATENCY", "2"))
CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


def main() -> list[dict]:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_DB)
    ensure_postgres_database(database_url)
    emulator_port, web_port = free_port(), free_port()
    var = tempfile.mkdtemp(prefix="bench-latency-")
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "LLMTR_BASE_URL": f"http://127.0.0.1:{emulator_port}",
        "LLMTR_API_KEY": "llmtr-bench",
        "STUDIO_VAR_DIR": var,
        "CELERY_TASK_DEFAULT_QUEUE": f"latency-{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "1",  # runserver serves the static files
        "SECRET_KEY": secrets.token_urlsafe(40),
    }
    setup_django(**env)
    migrate()
    from django.contrib.auth import get_user_model

    from generations.catalog import catalog_refresh
    from teams.actions import team_create

    child_env = {**os.environ, **env}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    processes = [
        subprocess.Popen([sys.executable, "-m", "llmtr.emulator", "--port", str(emulator_port),
                          "--latency", str(GATEWAY_LATENCY)], **quiet),
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "studio", "worker", "--pool", "threads",
                          "--concurrency", "16", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"],
                          "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
                         env=child_env, **quiet),
        subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"],
                         env=child_env, **quiet),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{web_port}"
    try:
        assert wait_until(lambda: _answers(base + "/accounts/login/"), 30), "web server"
        catalog_refresh()
        username, password = f"lat-{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(12)
        user = get_user_model().objects.create_user(username, password=password)
        team_create(name="latency bench", admin=user)
        extra = _measure(base, username, password)
    finally:
        stop_processes(processes)
    print(
        f"latency: {RUNS} generations (Imagen 4 Fast, 1 image) through Chromium; gateway "
        f"latency {GATEWAY_LATENCY:g} s subtracted; extra per run: "
        + ", ".join(f"{x:.2f}" for x in extra)
    )
    value = median(extra)
    return [
        report(
            "submit -> image visible, beyond gateway time (median)",
            value,
            "s",
            "<= 1 s",
            value <= 1.0,
        )
    ]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _measure(base: str, username: str, password: str) -> list[float]:
    from playwright.sync_api import expect, sync_playwright

    extra = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(base_url=base)
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_url(base + "/")
        page.select_option("#id_model", "google/imagen-4.0-fast-generate-001")
        page.wait_for_selector(
            'input[name=fields_for][value="google/imagen-4.0-fast-generate-001"]', state="attached"
        )
        for i in range(RUNS + 1):  # the first run warms the worker and is not counted
            page.fill("textarea[name=prompt]", f"latency run {i} {uuid.uuid4().hex[:6]}")
            started = time.perf_counter()
            page.press("textarea[name=prompt]", "Control+Enter")
            card = page.locator("#feed article.card").first
            expect(card).to_contain_text(f"latency run {i}", timeout=10_000)
            image = card.locator("img").first
            expect(image).to_be_visible(timeout=60_000)
            wait_until(lambda img=image: img.evaluate("i => i.complete && i.naturalWidth > 0"), 10)
            if i:
                extra.append(time.perf_counter() - started - GATEWAY_LATENCY)
        browser.close()
    return extra


if __name__ == "__main__":
    main()
