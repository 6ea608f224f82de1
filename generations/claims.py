"""Who runs a generation: one claim at a time, fenced by its attempt number.

`claim` takes a queued generation (or one whose worker died: its lease ran out);
exactly one caller wins. Every finishing write checks `still_ours` under the row's
lock, so a worker that lost its claim can never finish, add images or settle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from generations.models import Generation
from spend.models import GatewayAttempt

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Claim:
    generation: Generation
    attempt: int
    send: GatewayAttempt | None = None  # the request on its way, once one is


def claim(generation_id: int) -> Claim | None:
    """Take the generation if it is queued, or running under a lease that ran out
    (its worker died). Exactly one caller wins."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.GENERATION_LEASE_SECONDS)
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=now)  # not before the gateway asked
    won = (
        Generation.objects.filter(pk=generation_id)
        .filter(
            Q(status=Generation.Status.QUEUED) & due
            | Q(status=Generation.Status.RUNNING, lease_expires_at__lt=now)
        )
        .update(
            status=Generation.Status.RUNNING,
            attempts=F("attempts") + 1,
            lease_expires_at=lease,
            started_at=Coalesce(F("started_at"), Value(now)),
        )
    )
    if not won:
        return None
    generation = Generation.objects.get(pk=generation_id)
    return Claim(generation, generation.attempts)


def still_ours(claim: Claim) -> bool:
    """Lock the generation's row if this claim still holds it (the fencing token)."""
    return (
        Generation.objects.select_for_update()
        .filter(pk=claim.generation.pk, status=Generation.Status.RUNNING, attempts=claim.attempt)
        .exists()
    )


def with_db_retries(write: Callable[[], T], tries: int = 5) -> T | None:
    """Run a finishing transaction, again after a database error (a lost connection, a
    failover). The gateway has answered by now: giving up would leave the generation
    running under its lease until another worker sends it again, billed twice."""
    for attempt in range(tries):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == tries - 1:
                raise
            log.warning("finishing a generation hit a database error; trying again", exc_info=True)
            if not connection.in_atomic_block:  # a broken connection: start a fresh one
                connection.close()
            time.sleep(0.05 * 2**attempt)
    return None
