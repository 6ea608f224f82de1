"""Sending a delivery: claim -> check the target -> POST -> record, then retry or end.

    delivery_attempt   (task)  one try of a due delivery
    deliveries_sweep   (beat)  send what is due with no task on its way

A try is claimed with a conditional update (pending and due, or sending under a claim
that ran out), so a redelivered task (acks_late) or a second worker sends nothing
twice; the result is written only while the try is still the current one. The HTTP
call runs outside any transaction. A delivery that is not answered with a 2xx is
tried again after RETRY_DELAYS, for about a day; one whose tries are all spent counts
against its endpoint, which is turned off after DISABLE_AFTER such failures in a row.
Every non-2xx is retried, unlike gateway calls: a receiver answers 404 or 502 while it
is being deployed, and the webhook-id lets it drop a message it already has.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.log import record
from generations.worker import release_db
from spend.alerts import admin_emails
from webhooks import sender, signing
from webhooks.guard import TargetRefused, target_check
from webhooks.models import TEST_EVENT, Attempt, Delivery, Endpoint

log = logging.getLogger(__name__)

# Seconds to wait after each failed try: 8 tries over about 23.6 hours.
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 8 * 3600, 8 * 3600)
DISABLE_AFTER = 5  # deliveries failed for good in a row
CLAIM_SECONDS = 60  # well over a try's connect + read timeouts
# Longer waits are left to the sweeper: a task held for hours until its ETA is handed
# to another worker by Redis after its visibility timeout, again and again. (5 min
# with its jitter fits.)
COUNTDOWN_MAX = 360
SWEEP_GRACE = timedelta(minutes=2)  # a task due this long ago is taken as lost
SWEEP_BATCH = 500


def schedule_text() -> str:
    """RETRY_DELAYS for people: "5 s, 5 min, ... and 8 h"."""

    def short(seconds: int) -> str:
        for size, unit in ((3600, "h"), (60, "min")):
            if seconds >= size and seconds % size == 0:
                return f"{seconds // size} {unit}"
        return f"{seconds} s"

    words = [short(s) for s in RETRY_DELAYS]
    return ", ".join(words[:-1]) + " and " + words[-1]


def max_tries(delivery: Delivery) -> int:
    return 1 if delivery.event == TEST_EVENT else len(RETRY_DELAYS) + 1


def retry_delay(tries: int) -> float:
    """Seconds before the try after `tries`, with 10% jitter so a burst spreads out."""
    base = RETRY_DELAYS[min(tries, len(RETRY_DELAYS)) - 1]
    return base * random.uniform(0.9, 1.1)


def signing_secrets(endpoint: Endpoint, now: datetime) -> list[str]:
    """The secret, and the one it replaced while that is still valid."""
    rotated = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and rotated and rotated > now:
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


# --- one try --------------------------------------------------------------------------


def delivery_claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    won = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.SENDING, claimed_until__lt=now)
        )
        .update(
            status=Delivery.Status.SENDING,
            attempts=F("attempts") + 1,
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
            queued_for=None,
        )
    )
    if not won:
        return None
    # None if its endpoint was deleted a moment ago: nothing to send.
    return Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()


def delivery_attempt(*, delivery_id: int) -> Attempt | None:
    """One try of the delivery, if it is due and nobody else is trying it."""
    delivery = delivery_claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    started = timezone.now()
    if not endpoint.enabled and delivery.event != TEST_EVENT:
        outcome = sender.Outcome(None, 0, "", "Not sent: the endpoint is turned off.")
        return attempt_record(delivery, started, outcome, final=True)
    try:
        target = target_check(endpoint.url)
    except TargetRefused as exc:  # DNS changed since the endpoint was saved
        outcome = sender.Outcome(None, 0, "", f"Not sent: {exc}")
    else:
        timestamp = int(time.time())
        headers = signing.headers(
            signing_secrets(endpoint, started),
            message_id=delivery.message_id,
            timestamp=timestamp,
            body=delivery.body,
        )
        release_db()  # a slow receiver must not hold a database connection meanwhile
        outcome = sender.post(target, body=delivery.body, headers=headers)
    return attempt_record(delivery, started, outcome)


def attempt_record(
    delivery: Delivery, started: datetime, outcome: sender.Outcome, *, final: bool = False
) -> Attempt | None:
    """Write the try and what follows from it, only while it is the current try."""
    number = delivery.attempts
    now = timezone.now()
    done = outcome.ok or final or number >= max_tries(delivery)
    with transaction.atomic():
        current = Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.SENDING, attempts=number
        )
        if outcome.ok:
            won = current.update(
                status=Delivery.Status.DELIVERED, finished_at=now, claimed_until=None
            )
        elif done:
            won = current.update(status=Delivery.Status.FAILED, finished_at=now, claimed_until=None)
        else:
            delay = retry_delay(number)
            due = now + timedelta(seconds=delay)
            won = current.update(
                status=Delivery.Status.PENDING,
                next_attempt_at=due,
                queued_for=due if delay <= COUNTDOWN_MAX else None,
                claimed_until=None,
            )
            if won and delay <= COUNTDOWN_MAX:
                transaction.on_commit(lambda: enqueue(delivery.pk, countdown=delay))
        if not won:
            log.warning("webhook delivery %s was taken over; dropping try %s", delivery.pk, number)
            return None
        attempt = Attempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            status_code=outcome.status_code,
            response_ms=outcome.response_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
        )
        if delivery.event != TEST_EVENT and not final:
            if outcome.ok:
                Endpoint.objects.filter(pk=delivery.endpoint_id).update(failure_count=0)
            elif done:
                endpoint_failure(delivery.endpoint_id)
    return attempt


# --- turning an endpoint off ------------------------------------------------------------


def endpoint_failure(endpoint_id: int) -> None:
    """Count a delivery failed for good; the DISABLE_AFTER-th in a row turns it off."""
    Endpoint.objects.filter(pk=endpoint_id).update(failure_count=F("failure_count") + 1)
    failures = Endpoint.objects.filter(pk=endpoint_id).values_list("failure_count", flat=True)
    if (failures.first() or 0) < DISABLE_AFTER:
        return
    reason = (
        f"{DISABLE_AFTER} deliveries in a row failed after every retry "
        "(no 2xx answer for about a day each)."
    )
    turned_off = Endpoint.objects.filter(pk=endpoint_id, enabled=True).update(
        enabled=False,
        disabled_at=timezone.now(),
        disabled_reason=reason,
        disabled_by_failures=True,
    )
    if turned_off:
        log.warning("webhook endpoint %s turned off: %s", endpoint_id, reason)
        endpoint = Endpoint.objects.get(pk=endpoint_id)
        record(action="webhook.disabled", target=endpoint, after={"reason": reason})  # system
        transaction.on_commit(lambda: disabled_mail(endpoint_id), robust=True)


def disabled_mail(endpoint_id: int) -> None:
    endpoint = Endpoint.objects.select_related("team").filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    to = admin_emails(endpoint.team_id)
    if to:
        send_mail(
            subject=f"[{endpoint.team.name}] webhook endpoint turned off",
            message=(
                f"The webhook endpoint {endpoint.url} was turned off: "
                f"{endpoint.disabled_reason}\n\nCheck the receiver, then turn the endpoint "
                "back on in the team's Webhooks page; deliveries can be sent again from its log."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=to,
        )


# --- queueing -----------------------------------------------------------------------------


def enqueue(delivery_id: int, countdown: float | None = None) -> None:
    """Send the task; a broker that is down loses nothing: the sweeper sends it later."""
    from webhooks.tasks import deliver_webhook

    try:
        deliver_webhook.apply_async((delivery_id,), countdown=countdown, retry=False)
    except Exception:  # the broker's errors vary by transport; the sweeper recovers
        log.exception("could not queue webhook delivery %s; the sweeper will", delivery_id)


def deliveries_sweep() -> int:
    """Queue deliveries that are due with no task on its way: a long wait (left to
    this sweep), a lost message, or a try whose worker died."""
    now = timezone.now()
    due = Delivery.objects.filter(
        Q(
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
        )
        & (Q(queued_for__isnull=True) | Q(queued_for__lt=now - SWEEP_GRACE))
        | Q(status=Delivery.Status.SENDING, claimed_until__lt=now)
    )
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(queued_for=now)
    for pk in ids:
        enqueue(pk)
    return len(ids)
