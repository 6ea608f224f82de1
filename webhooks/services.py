"""What a team admin does with webhooks: endpoints made, changed, deleted, their
secret rotated, a delivery sent again. The views check who may; these keep the rules
(a broken one raises ValidationError, its message shown as is) and write the audit
log in the same transaction (never a secret: only that it changed)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.log import record, request_actor
from teams.models import Team
from webhooks import delivery, signing
from webhooks.models import TEST_EVENT, Delivery, Endpoint, Event

PREVIOUS_SECRET_VALID = timedelta(hours=24)
MAX_ENDPOINTS = 20  # per team: each event is sent to every one of them


def ordered_events(events: list[str]) -> list[str]:
    return [e for e in Event.values if e in set(events)]


def endpoint_create(
    *, team: Team, user: User, url: str, description: str, events: list[str]
) -> Endpoint:
    with transaction.atomic():
        # The team row locked: two admins adding at once cannot pass the limit together.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        if Endpoint.objects.filter(team=team).count() >= MAX_ENDPOINTS:
            raise ValidationError(
                f"A team can have {MAX_ENDPOINTS} endpoints: delete one you no longer use."
            )
        endpoint = Endpoint.objects.create(
            team=team,
            url=url,
            description=description,
            events=ordered_events(events),
            secret=signing.secret_new(),
            created_by=user,
        )
        record(action="webhook.created", actor=user, target=endpoint, after=audited(endpoint))
    return endpoint


def audited(endpoint: Endpoint) -> dict:
    """What the audit log keeps of an endpoint: everything but its secrets."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
    }


def endpoint_update(
    *, endpoint: Endpoint, url: str, description: str, events: list[str], enabled: bool
) -> Endpoint:
    """Save the admin's changes; turning an endpoint back on clears its failures."""
    before = audited(endpoint)
    endpoint.url = url
    endpoint.description = description
    endpoint.events = ordered_events(events)
    if enabled and not endpoint.enabled:
        endpoint.failure_count = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.disabled_by_failures = False
    elif not enabled and endpoint.enabled:
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = "Turned off by an admin."
        endpoint.disabled_by_failures = False
    endpoint.enabled = enabled
    with transaction.atomic():
        endpoint.save()
        after = audited(endpoint)
        if after != before:
            record(
                action="webhook.changed",
                actor=request_actor(),
                target=endpoint,
                before=before,
                after=after,
            )
    return endpoint


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """The endpoint and its log go; deliveries still queued find nothing to send."""
    with transaction.atomic():
        record(
            action="webhook.deleted",
            actor=request_actor(),
            target=endpoint,
            before=audited(endpoint),
        )
        endpoint.delete()


def secret_rotate(*, endpoint: Endpoint) -> Endpoint:
    """A new secret; the old one signs alongside it for PREVIOUS_SECRET_VALID, so the
    receiver can switch without losing a message. Rotating again inside that window
    drops the oldest: only the secret just replaced stays valid."""
    with transaction.atomic():
        row = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        row.previous_secret = row.secret
        row.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_VALID
        row.secret = signing.secret_new()
        row.save(update_fields=["previous_secret", "previous_secret_expires_at", "secret"])
        record(
            action="webhook.secret_rotated",
            actor=request_actor(),
            target=row,
            after={"previous_valid_until": row.previous_secret_expires_at},
        )
    return row


def delivery_resend(*, original: Delivery, user: User) -> Delivery:
    """The same message (same webhook-id and body) sent again, as a new log row."""
    if original.status in (Delivery.Status.PENDING, Delivery.Status.SENDING):
        raise ValidationError(
            "This delivery is still being sent: wait for its next try, or for it to end."
        )
    if not original.endpoint.enabled and original.event != TEST_EVENT:
        raise ValidationError("The endpoint is turned off: turn it back on, then send again.")
    now = timezone.now()
    with transaction.atomic():
        row = Delivery.objects.create(
            endpoint=original.endpoint,
            event=original.event,
            event_key=original.event_key,
            message_id=original.message_id,
            body=original.body,
            next_attempt_at=now,
            queued_for=now,
            resent_from=original,
            resent_by=user,
        )
        record(
            action="webhook.resent",
            actor=user,
            target=original.endpoint,
            after={"event": original.event, "webhook_id": original.message_id},
        )
        transaction.on_commit(lambda: delivery.enqueue(row.pk))
    return row
