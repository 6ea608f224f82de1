"""The gateway panel: is the catalog fresh, which errors came back lately, and does the
studio's key still work (a check a team admin asks for and a worker runs)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from dashboard.figures import FAILED, labelled
from dashboard.models import GatewayCheck
from generations.gateway import gateway_client
from generations.models import CatalogEntry, Generation
from llmtr.errors import LLMTRError
from teams.models import Team

log = logging.getLogger(__name__)

GATEWAY_ERROR_WINDOW = timedelta(hours=24)
CHECK_PATIENCE = timedelta(minutes=2)  # a pending key check older than this was lost


# --- the panel -----------------------------------------------------------------------


@dataclass(frozen=True)
class GatewayStatus:
    catalog_refreshed_at: datetime | None
    catalog_models: int
    errors: list[dict]
    last_check: GatewayCheck | None

    @property
    def check_running(self) -> bool:
        """A check is pending and young enough that a worker may still pick it up."""
        check = self.last_check
        return bool(
            check
            and check.status == GatewayCheck.Status.PENDING
            and timezone.now() - check.requested_at < CHECK_PATIENCE
        )

    @property
    def check_stuck(self) -> bool:
        check = self.last_check
        return bool(
            check and check.status == GatewayCheck.Status.PENDING and not self.check_running
        )


def gateway_status(team: Team) -> GatewayStatus:
    catalog = CatalogEntry.objects.aggregate(
        refreshed_at=Max("refreshed_at"),
        models=Count("id", filter=Q(is_active=True, is_retired=False)),
    )
    since = timezone.now() - GATEWAY_ERROR_WINDOW
    errors = labelled(
        Generation.objects.filter(team=team, status=FAILED, created_at__gte=since)
        .values("error_type")
        .annotate(count=Count("*"), last_at=Max("created_at"))
        .order_by("-last_at")
    )
    return GatewayStatus(
        catalog_refreshed_at=catalog["refreshed_at"],
        catalog_models=catalog["models"],
        errors=errors,
        last_check=GatewayCheck.objects.first(),
    )


# --- the key check -------------------------------------------------------------


def gateway_check_request() -> GatewayCheck:
    """Queue a key check, or return the one already waiting. The task gets the row's
    id only: the key stays in the settings of the process that uses it."""
    recent = timezone.now() - CHECK_PATIENCE
    pending = GatewayCheck.objects.filter(
        status=GatewayCheck.Status.PENDING, requested_at__gte=recent
    ).first()
    if pending is not None:
        return pending
    check = GatewayCheck.objects.create()
    transaction.on_commit(lambda: enqueue_check(check.pk))
    return check


def enqueue_check(check_id: int) -> None:
    from dashboard.tasks import check_gateway_key

    check_gateway_key.delay(check_id)


def gateway_check_run(*, check_id: int) -> GatewayCheck | None:
    """Ask the gateway for its model list with the studio's key and record the answer."""
    check = GatewayCheck.objects.filter(pk=check_id, status=GatewayCheck.Status.PENDING).first()
    if check is None:
        return None
    try:
        models = gateway_client().list_models()
    except LLMTRError as exc:
        check.status = GatewayCheck.Status.FAILED
        check.message = _scrub(
            f"{exc.message} ({exc.type}{f', HTTP {exc.status}' if exc.status else ''})"
        )
    else:
        check.status = GatewayCheck.Status.OK
        check.models_count = len(models)
        check.message = f"The gateway accepted the key and listed {len(models)} image models."
    check.checked_at = timezone.now()
    check.save(update_fields=["status", "message", "models_count", "checked_at"])
    log.info("gateway key check %s: %s", check.pk, check.status)
    return check


def _scrub(text: str) -> str:
    """The client already scrubs its errors; this is the second lock on the same door."""
    key = settings.LLMTR_API_KEY
    return text.replace(key, "[redacted]") if key else text
