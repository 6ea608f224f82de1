"""Thin tasks: an id in, the service does the work (style.md habit 4). Arguments are
ids only: a secret never travels through the broker."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from webhooks import delivery


# acks_late with the claim in delivery_claim: a task redelivered after a worker died
# sends nothing twice, and a database hiccup is retried rather than lost.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=8,
)
def deliver_webhook(delivery_id: int) -> None:
    delivery.delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def sweep_webhooks() -> int:
    return delivery.deliveries_sweep()
