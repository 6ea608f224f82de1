"""Thin tasks: the service does the work (style.md habit 4)."""

from celery import shared_task

from matrix import services


@shared_task(ignore_result=True)
def sweep_runs() -> int:
    """Beat's fallback: advance runs whose generation_settled signal was lost."""
    return services.runs_sweep()
