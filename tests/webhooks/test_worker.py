"""End to end through a real Celery worker over Redis: a generation run by the worker
ends, the worker sends its webhook to the test's receiver, which answers 500 first
and 200 after; the retry comes after its backoff, signed, with the same webhook-id."""

from __future__ import annotations

import pytest

from generations import services
from generations.catalog import catalog_refresh, find_model
from tests.workers import wait_for
from webhooks.models import Delivery

pytestmark = [pytest.mark.e2e]


def test_a_real_worker_sends_the_event_and_retries_after_a_500(
    owner, workers, emulator, receiver, make_endpoint
):
    catalog_refresh()
    make_endpoint(events=["generation.succeeded"])
    receiver.answers = [500]
    worker = workers(WEBHOOKS_ALLOW_LOOPBACK="1")

    generation = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4"), prompt="a lighthouse", params={"n": 1}
    )

    def delivered() -> Delivery | None:
        return Delivery.objects.filter(status="delivered").first()

    row = wait_for(delivered, timeout=60, what="the webhook delivered", worker=worker)
    assert row.attempts == 2 and row.event == "generation.succeeded"
    first, second = receiver.received
    assert (first.status, second.status) == (500, 200)
    assert first.valid and second.valid and first.message_id == second.message_id
    assert second.json["data"]["id"] == generation.pk
    assert second.json["data"]["status"] == "succeeded"
    tries = list(row.tries.all())
    gap = (tries[1].started_at - tries[0].started_at).total_seconds()
    assert gap >= 4.4  # the first backoff: 5 s, less its jitter
    assert len(receiver.delivered()) == 1
