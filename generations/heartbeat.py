"""Leases that a live worker renews and a dead one cannot.

A claimed generation holds a short lease (GENERATION_LEASE_SECONDS, a minute by
default). While its worker process lives, one heartbeat thread per process renews the
leases of everything the process is running, every GENERATION_HEARTBEAT_SECONDS, in
one UPDATE. A killed worker stops renewing; its leases run out within the lease time,
the sweeper finds them and the next claim ends the generation. A slow gateway call
(minutes) keeps its lease for as long as its worker is alive.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

_held: dict[int, int] = {}  # generation id -> the attempt (fencing token) this process holds
_lock = threading.Lock()
_thread: threading.Thread | None = None
_wake = threading.Event()


def hold(generation_id: int, attempt: int) -> None:
    """This process now runs `generation_id` under `attempt`: keep its lease alive."""
    with _lock:
        _held[generation_id] = attempt
        _start()


def release(generation_id: int) -> None:
    with _lock:
        _held.pop(generation_id, None)


def held() -> dict[int, int]:
    with _lock:
        return dict(_held)


def renew() -> int:
    """Push the lease of every generation this process holds; returns how many."""
    holding = held()
    if not holding:
        return 0
    from generations.models import Generation

    mine = Q()
    for generation_id, attempt in holding.items():
        mine |= Q(pk=generation_id, attempts=attempt)
    until = timezone.now() + timedelta(seconds=settings.GENERATION_LEASE_SECONDS)
    return Generation.objects.filter(mine, status=Generation.Status.RUNNING).update(
        lease_expires_at=until
    )


def _start() -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    _thread = threading.Thread(target=_beat, name="lease-heartbeat", daemon=True)
    _thread.start()


def interval() -> float:
    """Seconds between beats: as configured, but at least three beats a lease, so one
    slow or failed beat never lets a live worker's lease run out."""
    return min(settings.GENERATION_HEARTBEAT_SECONDS, settings.GENERATION_LEASE_SECONDS / 3)


def _beat() -> None:
    while True:
        _wake.wait(interval())
        _wake.clear()
        try:
            renew()
        except DatabaseError:  # the next beat tries again; the lease has slack for it
            log.warning("could not renew generation leases", exc_info=True)
        finally:
            connection.close()  # back to the pool between beats
