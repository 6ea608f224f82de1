"""GET /health/ (studio/health.py): every check passing answers 200; any failing one 503,
saying which and why; JSON on request; open to probes, never the sign-in limiter's."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.utils import timezone

from generations.models import CatalogEntry

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# The default (one-machine) checks; CI's REDIS_URL would add Redis to the settings' list.
DEFAULT_CHECKS = [
    "health_check.checks.Database",
    "studio.health.Storage",
    "studio.health.Broker",
    "generations.health.Catalog",
]


@pytest.fixture(autouse=True)
def one_machine_checks(settings, media_root):
    settings.HEALTH_CHECKS = DEFAULT_CHECKS


def health(client: Client, path: str = "/health/", **headers) -> tuple[int, dict]:
    response = client.get(path, HTTP_ACCEPT="application/json", **headers)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_it_answers_200_with_every_check_ok_when_all_is_well(client, catalog):
    status, body = health(client)

    assert status == 200
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database", "storage", "broker", "catalog"]
    for check in body["checks"].values():
        assert (check["status"], check["message"]) == ("ok", "OK")
        assert 0 <= check["seconds"] < 5


def test_json_is_also_given_for_format_json_and_plain_text_otherwise(client, catalog):
    assert client.get("/health/?format=json").json()["status"] == "ok"

    text = client.get("/health/")
    assert text.status_code == 200
    assert text["Content-Type"].startswith("text/plain")
    assert text.content.decode().splitlines() == [
        "database: OK",
        "storage: OK",
        "broker: OK",
        "catalog: OK",
    ]
    assert client.get("/health/", HTTP_ACCEPT="text/html").content == text.content


def test_an_empty_catalog_answers_503_and_says_so(client):
    status, body = health(client)

    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["catalog"]["status"] == "error"
    assert "catalog is empty" in body["checks"]["catalog"]["message"]
    assert body["checks"]["database"]["status"] == "ok"
    assert client.get("/health/").status_code == 503  # plain text too


def test_an_unhealthy_answer_logs_the_failing_check_but_no_request_error(client, caplog):
    assert client.get("/health/").status_code == 503

    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == ["health_check"]
    assert "Catalog() failed" in caplog.records[-1].getMessage()


def test_a_catalog_older_than_the_bound_is_unhealthy(client, catalog, settings):
    settings.HEALTH_CATALOG_MAX_AGE_SECONDS = 3 * 3600
    CatalogEntry.objects.update(refreshed_at=timezone.now() - timedelta(hours=3, minutes=5))

    status, body = health(client)

    assert status == 503
    message = body["checks"]["catalog"]["message"]
    assert "last refreshed 3 h 05 min ago" in message
    assert "3 h 00 min allowed" in message and "is beat running" in message

    CatalogEntry.objects.update(refreshed_at=timezone.now() - timedelta(hours=2, minutes=55))
    assert health(client)[0] == 200


def test_the_bound_defaults_to_three_refresh_periods():
    assert settings_in_subprocess({"CATALOG_MAX_AGE_SECONDS": "600"})[0] == 1800


def test_without_redis_url_there_is_no_redis_check_and_with_it_there_is():
    _, one_machine = settings_in_subprocess({})
    assert "studio.health.Redis" not in one_machine
    assert one_machine == DEFAULT_CHECKS
    _, deployed = settings_in_subprocess({"REDIS_URL": "redis://127.0.0.1:6379/5"})
    assert "studio.health.Redis" in deployed


def settings_in_subprocess(env: dict[str, str]) -> tuple[int, list[str]]:
    """(HEALTH_CATALOG_MAX_AGE_SECONDS, HEALTH_CHECKS) as settings.py builds them."""
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    script = (
        "import json; from studio import settings as s; "
        "print(json.dumps([s.HEALTH_CATALOG_MAX_AGE_SECONDS, s.HEALTH_CHECKS]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**clean, **env}, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    bound, checks = json.loads(out.stdout)
    return bound, checks


def test_a_broken_storage_answers_503_naming_the_step(client, catalog, settings, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": not_a_folder},
        },
    }

    status, body = health(client)

    assert status == 503
    assert body["checks"]["storage"]["message"].startswith(
        "Unavailable: writing a probe object failed:"
    )


def test_the_storage_probe_leaves_no_file_behind(client, catalog, media_root):
    assert health(client)[0] == 200
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_a_missing_broker_folder_is_unavailable(tmp_path):
    """The one-machine broker (a folder), whatever broker this run's studio uses."""
    from celery import Celery
    from health_check.exceptions import ServiceUnavailable

    from studio.health import Broker

    there = tmp_path / "queue"
    there.mkdir()
    options = {"data_folder_in": str(tmp_path / "gone"), "data_folder_out": str(there),
               "control_folder": str(there)}  # fmt: skip
    app = Celery(
        broker="filesystem://localhost//", broker_transport_options=options, set_as_current=False
    )  # never the studio's current app
    with pytest.raises(ServiceUnavailable, match="data_folder_in is missing"):
        Broker(app=app).run()
    app = Celery(broker="filesystem://localhost//", set_as_current=False, broker_transport_options={
        **options, "data_folder_in": str(there)})  # fmt: skip
    Broker(app=app).run()  # both folders there: available


def test_it_never_calls_the_gateway(client, catalog, settings):
    settings.LLMTR_BASE_URL = "http://127.0.0.1:9"  # nothing listens: a call would fail
    assert health(client)[0] == 200


def test_it_needs_no_sign_in_and_shows_no_user_data(client, catalog, owner):
    anonymous = client.get("/health/?format=json")
    client.force_login(owner)
    signed_in = client.get("/health/?format=json")

    assert anonymous.status_code == signed_in.status_code == 200
    assert b"owner" not in signed_in.content
    assert set(anonymous.json()) == set(signed_in.json()) == {"status", "checks"}
    assert "sessionid" not in anonymous.cookies and "csrftoken" not in anonymous.cookies


def test_the_studios_headers_apply_and_nothing_is_cached(client, catalog):
    response = client.get("/health/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_locked_out_address_still_gets_health_and_probes_are_not_counted(
    client, catalog, owner, settings
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post(
            "/accounts/login/", {"username": "owner", "password": "wrong"}, REMOTE_ADDR="10.0.0.9"
        )
    locked = Client().post(
        "/accounts/login/", {"username": "owner", "password": "pw-owner"}, REMOTE_ADDR="10.0.0.9"
    )
    assert locked.status_code == 429
    attempts, logs = list(AccessAttempt.objects.values()), AccessLog.objects.count()

    for _ in range(3 * settings.LOGIN_FAILURE_LIMIT):
        assert client.get("/health/", REMOTE_ADDR="10.0.0.9").status_code == 200

    assert list(AccessAttempt.objects.values()) == attempts
    assert AccessLog.objects.count() == logs


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost:8000", "web:8000"])
def test_a_probe_from_the_container_or_the_compose_network_is_answered(catalog, settings, host):
    # A deployment's names, plus the two probes' (README, Configuration: Health).
    settings.ALLOWED_HOSTS = ["studio.example.com", "127.0.0.1", "localhost", "web"]
    response = Client().get("/health/", HTTP_HOST=host, HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert response.status_code == 200


def test_a_host_outside_allowed_hosts_is_refused_as_anywhere(catalog, settings):
    settings.ALLOWED_HOSTS = ["studio.example.com"]
    assert Client().get("/health/", HTTP_HOST="web:8000").status_code == 400


def test_behind_tls_a_plain_http_probe_gets_the_answer_not_a_redirect(catalog, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/health/").status_code == 200
    assert Client().get("/accounts/login/").status_code == 301


def test_an_unparsable_accept_header_gets_text_not_an_error(client):
    response = client.get("/health/", HTTP_ACCEPT="foo")
    assert response.status_code in (200, 503)
    assert response["Content-Type"].startswith("text/plain")


def test_only_text_and_json_are_answered(client):
    response = client.get("/health/?format=rss")
    assert response["Content-Type"].startswith("text/plain")


def test_the_liveness_check_leaves_the_catalog_out(client):
    """An empty catalog (the gateway never answered) does not take the pages down."""
    live = client.get("/health/live/?format=json")
    full = client.get("/health/?format=json")
    assert "catalog" not in live.json()["checks"] and "catalog" in full.json()["checks"]
    assert full.json()["checks"]["catalog"]["status"] == "error"  # nothing loaded here
    assert full.status_code == 503
    assert live.status_code == 200, live.json()
