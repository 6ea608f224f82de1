"""Idempotency-Key: a retried create returns the first answer, never a second charge.

The key's row is inserted first, in the transaction that creates the generation (and
takes its hold in the ledger), and answered last in that same transaction. A retry
with the key while the first request is still running waits on the unique
constraint (PostgreSQL), or on the write lock (SQLite's immediate transactions); once
the first commits, the retry's insert fails and it replays the stored answer. If the
first fails (over budget, a bad reference), its row rolls back with it and a retry
tries afresh. Keys are kept KEY_TTL: after that the same key is a new request.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from api.errors import invalid
from api.models import ApiToken, IdempotencyKey
from generations.models import Generation

KEY_TTL = timedelta(hours=24)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as a header carries it
BAD_KEY = "An Idempotency-Key is 1 to 255 visible ASCII characters, like a UUID."
OTHER_BODY = (
    "This Idempotency-Key was already used with a different request. Send the same body "
    "to get the first answer again, or a new key for a new request."
)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(operation: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"operation": operation, "body": payload},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise invalid(BAD_KEY, {"Idempotency-Key": [BAD_KEY]})
    return key


def once(
    *,
    token: ApiToken,
    key: str,
    operation: str,
    payload: dict[str, Any],
    create: Callable[[], tuple[int, dict[str, Any], Generation | None]],
) -> Answer:
    """create() once for (token, key): its (status, body, generation) is stored with
    the key; a later call with the same key and payload gets it back (replayed)."""
    digest = request_hash(operation, payload)
    stale = timezone.now() - KEY_TTL
    IdempotencyKey.objects.filter(token=token, key=key, created_at__lt=stale).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    token=token, key=key, operation=operation, request_hash=digest
                )
        except IntegrityError:  # used already: committed by the first request
            return _replay(IdempotencyKey.objects.get(token=token, key=key), digest)
        status, body, generation = create()
        row.status_code, row.response, row.generation = status, body, generation
        row.save(update_fields=["status_code", "response", "generation"])
    return Answer(status, body)


def _replay(row: IdempotencyKey, digest: str) -> Answer:
    if row.request_hash != digest:
        raise invalid(OTHER_BODY, {"Idempotency-Key": [OTHER_BODY]})
    return Answer(row.status_code, row.response, replayed=True)
