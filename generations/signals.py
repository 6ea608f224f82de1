"""Signals for apps above this one: they learn of a generation's end without being
imported here (see .importlinter)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

# Sent once a generation has reached a final state (succeeded or failed, rejected
# included), after the transaction that wrote it has committed. Keyword: generation_id.
generation_settled = Signal()


def announce_settled(generation_id: int) -> None:
    """Send generation_settled once the current transaction commits. A receiver that
    fails is logged, never allowed to undo or interrupt the generation's end."""

    def send() -> None:
        for receiver, result in generation_settled.send_robust(
            sender=None, generation_id=generation_id
        ):
            if isinstance(result, Exception):
                log.error(
                    "generation_settled receiver %r failed for generation %s",
                    receiver,
                    generation_id,
                    exc_info=result,
                )

    transaction.on_commit(send, robust=True)


# Sent when a generation starts waiting for an admin's approval, after the transaction
# that wrote it has committed. Keyword: generation_id.
approval_requested = Signal()
