"""Thin tasks: an id in, the service does the work (style.md habit 4)."""

from celery import shared_task

from teams import actions


@shared_task(ignore_result=True)
def check_gateway_key(check_id: int) -> None:
    """Runs where the key lives (the worker's settings); only the check's id travels."""
    actions.gateway_check_run(check_id=check_id)
