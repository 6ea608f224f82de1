"""The deployment drill: the compose topology, run natively, driven through nginx in
Chromium while it is being hurt.

nginx (deploy/nginx.conf.template, checked with `nginx -t`) in front of 2 gunicorn
processes, 3 Celery workers, one beat, PostgreSQL, Redis, the emulator and SeaweedFS
(media redirects on: the browser follows signed URLs). Every process is an entry of
the Procfile, as in docker-compose.yml (tests/deploy/stack.py).

A designer signs in, generates with every family, with references, a try-on and an
edit, browses the gallery, downloads a zip; an admin opens the dashboard. Meanwhile one
worker is SIGKILLed mid-call, Redis restarts, one gunicorn restarts and the object
store goes away and comes back. Every generation must end, exactly once; nginx must
never answer 5xx to the browser; /health/ must notice the missing store.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

import httpx
import psycopg
import pytest
from PIL import Image
from playwright.sync_api import expect

from spend.money import usd
from tests.browser.test_studio import FAMILIES
from tests.deploy.stack import Stack, received_tasks, wait_until

pytestmark = pytest.mark.deploy

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "drill-Passw0rd-long-enough"
FINISHED = ("succeeded", "failed", "rejected")
DEADLINE = 90  # seconds for every generation to end once the faults are over


@pytest.fixture(scope="module")
def stack(tmp_path_factory, seaweed):
    folder = tmp_path_factory.mktemp("drill")
    stack = Stack(folder=folder, seaweed=seaweed, bucket="studio-drill")
    try:
        stack.create_database()
        stack.start_redis()
        stack.start("emulator", "emulator")
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{stack.emulator_port}/api/models",
                                     headers={"Authorization": "Bearer x"}).status_code < 500,
                   30, "the emulator")  # fmt: skip
        setup = stack.run("setup")
        assert "Created the private bucket studio-drill" in setup
        stack.manage("demo_setup")  # the demo team; DEMO_PASSWORD below sets its password
        for number, port in enumerate(stack.web_ports, start=1):
            stack.start(f"web{number}", "gunicorn", WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS="2")
        for number in (1, 2, 3):
            stack.start(f"worker{number}", "worker", WORKER_NAME=f"w{number}@drill",
                        WORKER_CONCURRENCY="8")  # fmt: skip
        stack.start("beat", "beat")
        checked = stack.nginx_test()
        assert checked.returncode == 0, checked.stderr
        assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr
        stack.start_nginx()
        wait_until(lambda: stack.health().status_code == 200, 60, "the studio behind nginx")
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.teardown()


@pytest.fixture(scope="module")
def demo(stack):
    stack.manage("shell", "-c", _set_password_script())
    return "demo"


def _set_password_script() -> str:
    return (
        "from django.contrib.auth import get_user_model; "
        "u = get_user_model().objects.get(username='demo'); "
        f"u.set_password('{PASSWORD}'); u.save()"
    )


def rows(stack: Stack, sql: str, *args) -> list[tuple]:
    with psycopg.connect(stack.database_url) as db:
        return db.execute(sql, args).fetchall()


def photo(path: Path, colour: tuple[int, int, int]) -> str:
    Image.new("RGB", (640, 800), colour).save(path, "JPEG")
    return str(path)


def sign_in(browser, stack: Stack, username: str):
    context = browser.new_context(base_url=stack.url, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/")
    assert "/accounts/login/" in page.url  # nothing without signing in
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("textarea[name=prompt]")).to_be_visible()
    return page


def generate(page, model_id: str, options: dict, prompt: str) -> None:
    page.select_option("#id_model", model_id)
    page.wait_for_selector(
        f'#model-fields input[name=fields_for][value="{model_id}"]', state="attached"
    )
    for name, value in options.items():
        page.select_option(f"select[name={name}]", value)
    page.fill("textarea[name=prompt]", prompt)
    page.click("#generate-button")
    expect(page.locator("#feed article.card").first).to_contain_text(prompt)


def expect_loaded(card) -> None:
    expect(card).to_have_attribute("data-status", "succeeded", timeout=60_000)
    image = card.locator("img").first
    expect(image).to_be_visible()
    wait_until(lambda: image.evaluate("i => i.complete && i.naturalWidth > 0"), 20, "an image")


def test_the_deployment_survives_a_working_day(stack, demo, browser, tmp_path):
    page = sign_in(browser, stack, demo)

    # --- a generation per family, while a worker dies mid-call ---------------------------
    httpx.post(f"http://127.0.0.1:{stack.emulator_port}/_emulator/config", json={"latency": 3})
    for number, (model_id, options) in enumerate(FAMILIES, start=1):
        generate(page, model_id, options, f"drill {number}: {model_id}")
    wait_until(lambda: received_tasks(stack.processes["worker1"].text()), 20, "worker1 busy")
    wait_until(
        lambda: (
            rows(stack, "select count(*) from generations_generation where status = 'running'")[0][
                0
            ]
            > 0
        ),
        20,
        "calls in flight",
    )
    stack.kill("worker1")  # SIGKILL, mid-call: its generations are taken over after the lease
    httpx.post(f"http://127.0.0.1:{stack.emulator_port}/_emulator/config", json={"latency": 0})

    # --- Redis restarts: messages in it are gone; the sweeper sends them again -------------
    stack.stop_redis()
    stack.start_redis()

    # --- one gunicorn restarts while pages are asked for through nginx -------------------
    stack.stop("web1")
    for _ in range(6):
        page.goto("/gallery")
        expect(page.locator("h1")).to_be_visible()
    stack.start("web1", "gunicorn", WEB_BIND=f"127.0.0.1:{stack.web_ports[0]}", WEB_WORKERS="2")
    wait_until(lambda: httpx.get(f"http://127.0.0.1:{stack.web_ports[0]}/health/",
                                 headers={"Host": "127.0.0.1"}).status_code == 200,
               30, "web1 again")  # fmt: skip

    # Every family's generation ends, exactly once: what the killed worker was making
    # fails saying so (it may have been billed, so it is not sent twice: the default),
    # booked once as a charge to check; everything else succeeds.
    wait_until(lambda: all_finished(stack), DEADLINE, "every generation finished")
    ended = rows(stack, "select status, error_type from generations_generation")
    lost = [e for e in ended if e == ("failed", "worker_lost")]
    assert lost and len(lost) + ended.count(("succeeded", "")) == len(FAMILIES), ended
    unconfirmed = rows(stack, "select count(*) from generations_ledgerentry "
                              "where unconfirmed and kind = 'settlement'")[0][0]  # fmt: skip
    assert unconfirmed == len(lost)
    page.goto("/")
    for number in range(1, len(FAMILIES) + 1):
        card = page.locator("#feed article.card", has_text=f"drill {number}:")
        expect(card).to_have_attribute("data-status", re.compile("succeeded|failed"))
    expect(page.locator("#feed article.card[data-status=failed]")).to_have_count(len(lost))
    expect(page.locator("#feed article.card[data-status=failed]").first).to_contain_text(
        "The worker stopped while the gateway was making this image"
    )
    expect_loaded(page.locator("#feed article.card[data-status=succeeded]").first)

    # --- references: an upload and an earlier image, on Gemini ---------------------------
    page.goto("/?model=google/gemini-3.1-flash-image")
    page.fill("textarea[name=prompt]", "drill references")
    page.set_input_files("#id_reference_files", photo(tmp_path / "ref.jpg", (30, 120, 200)))
    expect(page.locator("#references [data-chip]")).to_have_count(1)
    page.click("text=Choose from your images")
    page.locator("[data-pick-token^='image:']").first.click()
    expect(page.locator("#references [data-chip]")).to_have_count(2)
    page.click("#generate-button")
    expect_loaded(page.locator("#feed article.card", has_text="drill references"))

    # --- try-on ----------------------------------------------------------------------------
    page.goto("/tryon")
    heading = page.locator("#step-heading")
    page.set_input_files("input[name=photo]", photo(tmp_path / "person.jpg", (40, 90, 160)))
    expect(heading).to_have_text("Step 2 · The garment")
    page.set_input_files("input[name=photo]", photo(tmp_path / "shirt.jpg", (200, 40, 40)))
    expect(heading).to_have_text("Step 3 · Options")
    page.click("#tryon-button")
    expect(heading).to_have_text("Step 4 · Result")
    expect_loaded(page.locator(".tryon-result article.card"))

    # --- an edit of an image ----------------------------------------------------------------
    image_id = rows(
        stack,
        "select i.id from generations_generatedimage i join "
        "generations_generation g on g.id = i.generation_id "
        "where i.mime_type <> 'image/svg+xml' order by i.id limit 1",
    )[0][0]
    page.goto(f"/edit?source=image:{image_id}")
    page.fill("textarea[name=prompt]", "drill edit: make it night")
    page.click("#edit-button")
    expect_loaded(page.locator("#edit-results article.card").first)

    # --- the object store goes away: /health/ says so; back, all is well ---------------------
    stack.seaweed.stop()
    down = stack.health()
    assert down.status_code == 503
    assert down.json()["checks"]["storage"]["status"] == "error"
    stack.seaweed.start()
    wait_until(lambda: stack.health().status_code == 200, 30, "healthy again")

    # --- the gallery, through signed URLs, and a zip of the whole day -----------------------
    page.goto("/gallery")
    tiles = page.locator("#gallery-grid .tile img")
    expect(tiles.first).to_be_visible()
    wait_until(lambda: tiles.first.evaluate("i => i.complete && i.naturalWidth > 0"), 20,
               "a gallery thumbnail")  # fmt: skip
    boxes = page.locator('#gallery-grid .tile input[name="ids"]')
    for index in range(min(3, boxes.count())):
        boxes.nth(index).click()
    with page.expect_download() as download:
        page.click("#bulk-zip")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert archive.testzip() is None and len(archive.namelist()) >= 3
    digests = {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}
    stored = {r[0] for r in rows(stack, "select sha256 from generations_generatedimage")}
    assert digests <= stored

    # --- the dashboard (the demo user is its team's admin) ----------------------------------
    page.goto("/team/")
    spent = rows(stack, "select coalesce(sum(amount), 0) from generations_ledgerentry "
                        "where kind = 'settlement'")[0][0]  # fmt: skip
    count = rows(stack, "select count(*) from generations_generation")[0][0]
    expect(page.locator("#period-spent")).to_have_text(usd(spent))
    expect(page.locator("#period-count")).to_have_text(str(count))

    # --- what the day left behind ----------------------------------------------------------
    wait_until(lambda: all_finished(stack), DEADLINE, "every generation finished")
    assert_each_ended_once(stack)
    served = stack.nginx_statuses()
    assert served, "nginx logged nothing"
    errors = [r for r in served if r[0] >= 500 and not r[1].startswith("GET /health/")]
    assert errors == [], errors
    assert stack.health().status_code == 200
    assert stack.manage("reconcile_spend").startswith("ok: ")  # the ledger agrees everywhere
    page.context.close()


def all_finished(stack: Stack) -> bool:
    left = rows(stack, "select count(*) from generations_generation where status <> all(%s)",
                list(FINISHED))  # fmt: skip
    return left[0][0] == 0


def assert_each_ended_once(stack: Stack) -> None:
    """One settlement per hold, no hold left open, no more images than were asked for."""
    generations = rows(stack, "select id, status, request_body from generations_generation")
    assert len(generations) >= len(FAMILIES) + 3
    for generation_id, status, body in generations:
        holds = rows(stack, "select kind, hold from generations_ledgerentry "
                            "where generation_id = %s", generation_id)  # fmt: skip
        reservations = sorted(h for k, h in holds if k == "reservation")
        settlements = sorted(h for k, h in holds if k == "settlement")
        assert reservations == settlements, (generation_id, status, holds)
        images = rows(stack, "select count(*) from generations_generatedimage "
                             "where generation_id = %s", generation_id)[0][0]  # fmt: skip
        assert images <= int((body or {}).get("n") or 1) or status != "succeeded"
        if status == "succeeded":
            assert images >= 1, generation_id
    # The killed worker had work, and it was finished by the others.
    assert received_tasks(stack.processes["worker1"].text())
