"""Delivery: retries with backoff after a non-2xx, each event seen once after a 2xx,
a try never made twice, the endpoint turned off after repeated failures (and the
admins told), the sweeper picking up what no task carries."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from tests.webhooks.conftest import make_due
from webhooks import delivery, sender
from webhooks.events import endpoint_test_send, event_emit
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db


def emit(endpoint, n: int = 1, event: str = "generation.succeeded") -> list[int]:
    return event_emit(
        team_id=endpoint.team_id,
        event=event,
        key=f"{event}:{n}",
        data={"id": n, "status": "succeeded", "cost": "0.04"},
    )


def test_a_500_is_tried_again_after_backoff_and_the_200_is_seen_once(
    make_endpoint, receiver, committed, queue, run_queued
):
    endpoint = make_endpoint()
    receiver.answers = [500]
    with committed():
        (pk,) = emit(endpoint)

    run_queued()  # try 1: 500
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == ("pending", 1)
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 3 < wait <= 5.5
    # The retry's task was sent with a countdown to the retry time (measured a moment
    # after it was set, so within a second of it); run early, it found nothing due.
    (first_pk, first_countdown), (retry_pk, countdown) = queue.history
    assert (first_pk, first_countdown or 0, retry_pk) == (pk, 0, pk)
    assert abs(countdown - wait) < 1
    assert len(receiver.received) == 1

    make_due(pk)
    queue.add(pk)
    run_queued()  # try 2: 200

    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == ("delivered", 2)
    assert [r.status for r in receiver.received] == [500, 200]
    assert all(r.valid for r in receiver.received)
    first, second = receiver.received
    assert first.message_id == second.message_id and first.body == second.body
    assert len(receiver.delivered()) == 1
    assert [(t.number, t.status_code) for t in row.tries.all()] == [(1, 500), (2, 200)]
    assert all(t.response_ms is not None for t in row.tries.all())

    deliver_webhook(pk)  # a redelivered task after success: nothing more
    assert len(receiver.received) == 2


def test_every_try_is_made_once_even_when_the_task_comes_twice(
    make_endpoint, receiver, committed, queue, run_queued
):
    endpoint = make_endpoint()
    with committed():
        (pk,) = emit(endpoint)
    queue.add(pk)  # the broker delivers the same task again
    run_queued()
    assert len(receiver.received) == 1


def test_the_backoff_spans_about_a_day_and_long_waits_are_left_to_the_sweeper(
    make_endpoint, receiver, committed, queue, run_queued
):
    endpoint = make_endpoint()
    receiver.answers = [503] * 20
    with committed():
        (pk,) = emit(endpoint)
    waits = []
    for _ in range(len(delivery.RETRY_DELAYS) + 1):
        queue.sent.clear()
        with committed():
            deliver_webhook(pk)
        row = Delivery.objects.get(pk=pk)
        if row.status == "pending":
            waits.append((row.next_attempt_at - timezone.now()).total_seconds())
            # Short waits go with a countdown; longer ones wait for the sweeper.
            assert bool(queue.sent) == (waits[-1] < 600)
            make_due(pk)

    row = Delivery.objects.get(pk=pk)
    assert row.status == "failed" and row.attempts == 8 and row.finished_at
    assert len(receiver.received) == 8
    for wait, base in zip(waits, delivery.RETRY_DELAYS, strict=True):  # with its jitter
        assert base * 0.89 < wait <= base * 1.1
    assert 20 * 3600 < sum(waits) < 26 * 3600
    assert Endpoint.objects.get(pk=endpoint.pk).failure_count == 1


def test_the_sweeper_sends_what_is_due_without_a_task(make_endpoint, receiver, queue):
    endpoint = make_endpoint()
    now = timezone.now()

    def row(**fields) -> Delivery:
        return Delivery.objects.create(
            endpoint=endpoint, event="generation.succeeded", message_id="msg_x", body="{}", **fields
        )

    long_wait = row(event_key="a", attempts=3, next_attempt_at=now - timedelta(seconds=1))
    lost = row(
        event_key="b",
        next_attempt_at=now - timedelta(minutes=5),
        queued_for=now - timedelta(minutes=5),
    )
    dead_worker = row(
        event_key="c", status="sending", attempts=1, claimed_until=now - timedelta(seconds=1)
    )
    row(event_key="d", next_attempt_at=now + timedelta(hours=1))  # not due
    row(event_key="e", next_attempt_at=now, queued_for=now)  # its task is on its way
    row(event_key="f", status="sending", claimed_until=now + timedelta(seconds=50))  # in flight
    row(event_key="g", status="delivered")

    assert delivery.deliveries_sweep() == 3
    assert sorted(queue.ids) == sorted([long_wait.pk, lost.pk, dead_worker.pk])
    assert delivery.deliveries_sweep() == 1  # queued now: only the dead worker's again

    deliver_webhook(dead_worker.pk)
    dead_worker.refresh_from_db()
    assert dead_worker.status == "delivered" and dead_worker.attempts == 2


def test_repeated_failures_turn_the_endpoint_off_and_tell_the_admins(
    make_endpoint, receiver, committed, queue, run_queued, monkeypatch, settings, team_admin, login
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    team_admin.email = "boss@example.com"
    team_admin.save()
    monkeypatch.setattr(delivery, "RETRY_DELAYS", ())  # each delivery: one try, then failed
    endpoint = make_endpoint()
    receiver.answers = [500] * 3 + [200] + [500] * 20

    for n in range(1, 4):  # three failures, then a success: the count starts again
        with committed():
            emit(endpoint, n)
        run_queued()
    with committed():
        emit(endpoint, 4)
    run_queued()
    assert Endpoint.objects.get(pk=endpoint.pk).failure_count == 0

    for n in range(5, 5 + delivery.DISABLE_AFTER):
        assert Endpoint.objects.get(pk=endpoint.pk).enabled
        with committed():
            emit(endpoint, n)
        run_queued()

    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_by_failures and endpoint.disabled_at
    assert "5 deliveries in a row failed" in endpoint.disabled_reason
    (audited,) = AuditEvent.objects.filter(action="webhook.disabled")
    assert audited.actor is None and audited.target_id == str(endpoint.pk)  # the studio did it
    (message,) = mail.outbox
    assert message.to == ["boss@example.com"]
    assert endpoint.url in message.body and "turned off" in message.subject

    with committed():
        assert emit(endpoint, 99) == []  # nothing more is sent to it
    page = login(team_admin).get("/team/").content.decode()
    assert 'id="webhook-notices"' in page and endpoint.url in page
    assert 'id="nav-webhooks-off"' in page and "1 off" in page

    # Turned back on by an admin: the notice goes, the failures are forgotten.
    response = login(team_admin).post(
        f"/team/webhooks/{endpoint.pk}",
        {"url": endpoint.url, "events": endpoint.events, "enabled": "on"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failure_count == 0 and not endpoint.disabled_by_failures
    assert 'id="webhook-notices"' not in login(team_admin).get("/team/").content.decode()


def test_a_delivery_queued_before_the_endpoint_went_off_is_not_sent(
    make_endpoint, receiver, committed, queue, run_queued
):
    endpoint = make_endpoint()
    with committed():
        (pk,) = emit(endpoint)
    Endpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    run_queued()
    row = Delivery.objects.get(pk=pk)
    assert receiver.received == [] and row.status == "failed"
    assert "turned off" in row.tries.get().error
    assert Endpoint.objects.get(pk=endpoint.pk).failure_count == 0


def test_a_test_event_is_tried_once_and_counts_no_failure(
    make_endpoint, receiver, committed, run_queued
):
    endpoint = make_endpoint()
    receiver.answers = [500]
    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    run_queued()
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1
    assert receiver.received[0].json["type"] == "webhook.test"
    assert Endpoint.objects.get(pk=endpoint.pk).failure_count == 0


def test_only_the_first_kilobyte_of_the_answer_is_kept(
    make_endpoint, receiver, committed, run_queued
):
    endpoint = make_endpoint()
    receiver.answer_body = b"<p>" + b"x" * 5000
    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    run_queued()
    excerpt = row.tries.get().response_excerpt
    assert len(excerpt) == 1024 and excerpt.startswith("<p>xxx")


def test_an_answer_with_nul_bytes_is_kept_readable(make_endpoint, receiver, committed, run_queued):
    endpoint = make_endpoint()
    receiver.answer_body = b"ok\x00\xff"
    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    run_queued()
    assert row.tries.get().response_excerpt == "ok\ufffd\ufffd"


def test_redirects_are_not_followed(make_endpoint, receiver, committed, run_queued):
    endpoint = make_endpoint()
    receiver.answers = [302]
    receiver.answer_headers = {"location": f"http://127.0.0.1:{receiver.port}/elsewhere"}
    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    run_queued()
    assert len(receiver.received) == 1
    assert row.tries.get().status_code == 302
    row.refresh_from_db()
    assert row.status == "failed"


def test_a_slow_receiver_times_out_with_a_plain_reason(
    make_endpoint, receiver, committed, run_queued, monkeypatch
):
    monkeypatch.setattr(sender, "READ_TIMEOUT", 0.3)
    endpoint = make_endpoint()
    receiver.delay = 1.5
    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    started = time.monotonic()
    run_queued()
    assert time.monotonic() - started < 1.4
    attempt = row.tries.get()
    assert attempt.status_code is None and attempt.error == "No answer within 0.3 s."


def test_a_closed_port_is_a_connection_error(make_endpoint, committed, run_queued, unused_port):
    endpoint = make_endpoint(url=f"http://127.0.0.1:{unused_port}/hooks")
    with committed():
        row = endpoint_test_send(endpoint=endpoint)
    run_queued()
    assert row.tries.get().error.startswith("Could not connect to 127.0.0.1")


def test_a_task_carries_only_the_delivery_id(make_endpoint, committed, monkeypatch):
    from webhooks import tasks

    sent = []
    monkeypatch.setattr(
        tasks.deliver_webhook, "apply_async", lambda args, **kw: sent.append((args, kw))
    )
    endpoint = make_endpoint()
    with committed():
        (pk,) = emit(endpoint)
    assert sent == [((pk,), {"countdown": None, "retry": False})]
    assert endpoint.secret not in json.dumps(sent)


def test_beat_runs_the_sweeper_every_half_minute(settings):
    from studio.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-due-webhooks"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 60
