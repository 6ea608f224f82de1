"""The model catalog's age, one of the checks behind GET /health/ (studio/health.py;
registered by dotted path in settings.HEALTH_CHECKS, since studio/ imports no app)."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import Error as DatabaseError
from django.db.models import Max
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from generations.models import CatalogEntry


@dataclasses.dataclass
class Catalog(HealthCheck):
    """Unhealthy when the catalog is empty, or when its last refresh is older than
    HEALTH_CATALOG_MAX_AGE_SECONDS (beat refreshes it every CATALOG_MAX_AGE_SECONDS):
    beat has stopped, or the gateway has refused every refresh for a while. One query
    on the database; the gateway is never called."""

    timeout = datetime.timedelta(seconds=3)

    async def run(self) -> None:
        try:
            found = await CatalogEntry.objects.aaggregate(latest=Max("refreshed_at"))
        except DatabaseError as exc:
            raise ServiceUnavailable("the catalog could not be read from the database") from exc
        latest = found["latest"]
        if latest is None:
            raise ServiceUnavailable(
                "the model catalog is empty: it is loaded from the gateway by "
                "`manage.py refresh_catalog` and by beat's periodic refresh"
            )
        age = timezone.now() - latest
        bound = settings.HEALTH_CATALOG_MAX_AGE_SECONDS
        if age.total_seconds() > bound:
            raise ServiceUnavailable(
                f"the model catalog was last refreshed {_span(age)} ago "
                f"({latest:%Y-%m-%d %H:%M:%S %Z}), more than the {_span(bound)} allowed "
                "(HEALTH_CATALOG_MAX_AGE_SECONDS): is beat running, and does the gateway answer?"
            )


def _span(value: datetime.timedelta | int) -> str:
    seconds = int(value.total_seconds() if isinstance(value, datetime.timedelta) else value)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
