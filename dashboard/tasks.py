"""Thin tasks: an id in, the service does the work (style.md habit 4)."""

from celery import shared_task

from dashboard import gateway_check


@shared_task(ignore_result=True)
def check_gateway_key(check_id: int) -> None:
    """Runs where the key lives (the worker's settings); only the check's id travels."""
    gateway_check.gateway_check_run(check_id=check_id)


@shared_task(ignore_result=True)
def reconcile_spend() -> bool:
    """Check the ledger against budgets and every displayed figure; keep the result for
    the dashboard."""
    from dashboard import reconcile

    report = reconcile.reconcile()
    reconcile.record(report)
    return report.ok
