"""Events into deliveries: one per subscribed, enabled endpoint of the team, once.

`event_emit` runs after the change it reports has committed (the receivers in
webhooks.receivers wait for the commit), writes a pending delivery per endpoint and
queues them after its own commit. The body follows the Standard Webhooks payload
shape: {"type", "timestamp", "data"}.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from webhooks import delivery, signing
from webhooks.models import TEST_EVENT, Delivery, Endpoint


def body_for(event: str, data: dict[str, Any]) -> str:
    envelope = {"type": event, "timestamp": timezone.now().isoformat(), "data": data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def event_emit(*, team_id: int | None, event: str, key: str, data: dict[str, Any]) -> list[int]:
    """Deliveries for `event` (identified by `key`, e.g. "generation.succeeded:42") to
    the team's endpoints that want it; the ids of those newly written."""
    if team_id is None:
        return []
    endpoints = [
        e for e in Endpoint.objects.filter(team_id=team_id, enabled=True) if event in e.events
    ]
    if not endpoints:
        return []
    body, message_id, now = body_for(event, data), signing.message_id_new(), timezone.now()
    created: list[int] = []
    with transaction.atomic():
        for endpoint in endpoints:
            try:
                with transaction.atomic():
                    row = Delivery.objects.create(
                        endpoint=endpoint,
                        event=event,
                        event_key=key,
                        message_id=message_id,
                        body=body,
                        next_attempt_at=now,
                        queued_for=now,
                    )
            except IntegrityError:  # this endpoint already has this event
                continue
            created.append(row.pk)

        def send() -> None:
            for pk in created:
                delivery.enqueue(pk)

        transaction.on_commit(send)
    return created


def endpoint_test_send(*, endpoint: Endpoint) -> Delivery:
    """A "webhook.test" message to one endpoint, tried once, even while it is off."""
    message_id = signing.message_id_new()
    data = {
        "message": "A test event from LLMTR Studio.",
        "endpoint": {"id": endpoint.pk, "url": endpoint.url},
        "team": {"id": endpoint.team_id, "name": endpoint.team.name},
    }
    now = timezone.now()
    with transaction.atomic():
        row = Delivery.objects.create(
            endpoint=endpoint,
            event=TEST_EVENT,
            event_key=f"{TEST_EVENT}:{message_id}",
            message_id=message_id,
            body=body_for(TEST_EVENT, data),
            next_attempt_at=now,
            queued_for=now,
        )
        transaction.on_commit(lambda: delivery.enqueue(row.pk))
    return row
