"""Thin tasks: an id in, the service does the work (style.md habit 4)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from generations import catalog, retention, services, worker


# A database hiccup (connection limit, failover) must not lose the task: try again
# with backoff. The claim makes a repeated run safe.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=8,
)
def run_generation(generation_id: int) -> None:
    worker.generation_run(generation_id=generation_id)


@shared_task(ignore_result=True)
def sweep_generations() -> int:
    return services.generations_sweep()


@shared_task(ignore_result=True)
def refresh_catalog() -> bool:
    return catalog.catalog_refresh_quietly()


@shared_task(ignore_result=True)
def archive_originals() -> int:
    """Daily: originals older than their team's retention rule leave storage."""
    return sum(team.images for team in retention.originals_archive())
