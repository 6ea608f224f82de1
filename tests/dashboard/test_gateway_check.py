"""Gateway status: "Check the key now" queues a task that asks the gateway with the
studio's key; the page shows the answer. The key is never in a page, a log line or a
task's arguments, and the web request never calls the gateway itself."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard import gateway_check, tasks
from dashboard.models import GatewayCheck

pytestmark = pytest.mark.django_db

CHECK = reverse("team-gateway-check")
REAL_ENQUEUE_CHECK = gateway_check.enqueue_check  # before the conftest replaces it
PANEL = reverse("team-gateway")


def api_calls(emulator) -> list[dict]:
    return [r for r in emulator.requests() if r["path"].startswith(("/v1/", "/api/"))]


def test_the_button_queues_a_check_and_the_request_does_not_wait_on_the_gateway(
    team_admin_client, emulator, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = team_admin_client.post(CHECK)

    assert response.status_code == 302
    check = GatewayCheck.objects.get()
    assert check.status == "pending"
    assert no_broker.checks == [check.pk]
    assert api_calls(emulator) == []
    panel = team_admin_client.get(reverse("team-dashboard")).content.decode()
    assert "checking…" in panel and 'hx-trigger="every 2s"' in panel


def test_the_task_gets_the_checks_id_and_nothing_else(monkeypatch, settings):
    sent = []
    monkeypatch.setattr(tasks.check_gateway_key, "delay", lambda *a, **kw: sent.append((a, kw)))

    REAL_ENQUEUE_CHECK(42)

    assert sent == [((42,), {})]
    assert settings.LLMTR_API_KEY not in repr(sent)


def test_a_working_key_is_reported_with_the_model_count(team_admin_client, emulator):
    check = GatewayCheck.objects.create()

    tasks.check_gateway_key(check.pk)

    check.refresh_from_db()
    assert check.status == "ok" and check.models_count > 0 and check.checked_at
    panel = team_admin_client.get(PANEL).content.decode()
    assert "works" in panel and f"listed {check.models_count} image models" in panel
    assert "hx-trigger" not in panel  # finished: no more polling
    assert [r["path"] for r in api_calls(emulator)] == ["/api/models"]


def test_a_refused_key_is_reported_and_never_shown(team_admin_client, emulator, settings, caplog):
    settings.LLMTR_API_KEY = "revoked-key-0123456789"
    check = GatewayCheck.objects.create()

    with caplog.at_level(logging.DEBUG):
        tasks.check_gateway_key(check.pk)

    check.refresh_from_db()
    assert check.status == "failed"
    assert "auth_error" in check.message and "401" in check.message
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    assert "failed" in page and "Missing or invalid API key." in page
    for text in (page, check.message, caplog.text):
        assert "revoked-key-0123456789" not in text


def test_an_unreachable_gateway_is_a_failed_check(team_admin_client, settings):
    settings.LLMTR_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.LLMTR_MAX_RETRIES = 0
    check = GatewayCheck.objects.create()

    tasks.check_gateway_key(check.pk)

    check.refresh_from_db()
    assert check.status == "failed" and "connect" in check.message.lower()


def test_asking_again_while_a_check_waits_queues_no_second_one(
    team_admin_client, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        team_admin_client.post(CHECK)
        response = team_admin_client.post(CHECK, HTTP_HX_REQUEST="true")

    assert GatewayCheck.objects.count() == 1 and len(no_broker.checks) == 1
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="panel gateway" id="gateway-status"')
    assert "disabled" in body


def test_a_check_no_worker_picked_up_says_so_and_may_be_asked_again(
    team_admin_client, no_broker, django_capture_on_commit_callbacks
):
    check = GatewayCheck.objects.create()
    GatewayCheck.objects.filter(pk=check.pk).update(
        requested_at=timezone.now() - timedelta(minutes=5)
    )

    panel = team_admin_client.get(PANEL).content.decode()
    assert "is the Celery worker running?" in panel
    assert "hx-trigger" not in panel and "disabled" not in panel
    with django_capture_on_commit_callbacks(execute=True):
        team_admin_client.post(CHECK)
    assert GatewayCheck.objects.count() == 2


def test_a_check_already_run_is_not_run_again(emulator):
    check = GatewayCheck.objects.create(status="ok", message="earlier")
    tasks.check_gateway_key(check.pk)
    tasks.check_gateway_key(check.pk + 1000)  # gone: nothing to do
    check.refresh_from_db()
    assert check.message == "earlier"
    assert api_calls(emulator) == []
