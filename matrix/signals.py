"""Signals for apps above this one (webhooks): they hear of a run without matrix
importing them."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

# Sent when a run reaches "done" (again after a retry), once that has committed.
# Keyword: run_id.
matrix_finished = Signal()


def announce_finished(run_id: int) -> None:
    """Send matrix_finished after commit; a failing receiver is logged, never allowed
    to undo or interrupt the run."""

    def send() -> None:
        for receiver, result in matrix_finished.send_robust(sender=None, run_id=run_id):
            if isinstance(result, Exception):
                log.error(
                    "matrix_finished receiver %r failed for run %s", receiver, run_id,
                    exc_info=result,
                )  # fmt: skip

    transaction.on_commit(send, robust=True)
