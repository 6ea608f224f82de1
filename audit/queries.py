"""Reading the log: one team's events, filtered, a page at a time (keyset on id, so a
page costs the same however deep it is), and the readable before → after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent

PAGE_SIZE = 50
SYSTEM = "(system)"  # the actor filter's value for events nobody signed in caused


def team_events(team_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(team_id=team_id)


def facets(team_id: int) -> dict[str, list[str]]:
    """The values the filters offer: the team's actions, actors and target types."""
    events = team_events(team_id).order_by()

    def distinct(field: str) -> list[str]:
        return sorted(events.values_list(field, flat=True).distinct())

    return {
        "actions": distinct("action"),
        "actors": distinct("actor_username"),
        "target_types": [t for t in distinct("target_type") if t],
    }


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(events: QuerySet[AuditEvent], data: dict[str, Any]) -> QuerySet[AuditEvent]:
    """`data`: a valid AuditFilterForm's cleaned_data. The dates are whole days in the
    studio's time zone, both included."""
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("actor"):
        who = "" if data["actor"] == SYSTEM else data["actor"]
        events = events.filter(actor_username=who)
    if data.get("target_type"):
        events = events.filter(target_type=data["target_type"])
    if data.get("since"):
        events = events.filter(created_at__gte=_day_start(data["since"]))
    if data.get("until"):
        events = events.filter(created_at__lt=_day_start(data["until"] + timedelta(days=1)))
    return events.order_by("-id")


def page(events: QuerySet[AuditEvent], before: int | None) -> tuple[list[AuditEvent], int | None]:
    """The newest PAGE_SIZE events older than id `before`, and the cursor of the next
    page (None on the last)."""
    if before:
        events = events.filter(id__lt=before)
    rows = list(events[: PAGE_SIZE + 1])
    if len(rows) > PAGE_SIZE:
        return rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].pk
    return rows, None


def changes(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(key, before, after) for each key whose value differs; None stands for absent."""
    before, after = event.before or {}, event.after or {}
    keys = [*before, *(k for k in after if k not in before)]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def shown(value: Any) -> str:
    """A value as the page and the CSV show it."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def readable_changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    return [(k, shown(b), shown(a)) for k, b, a in changes(event)]


def changes_text(event: AuditEvent) -> str:
    return "; ".join(f"{k}: {b} → {a}" for k, b, a in readable_changes(event))


CSV_HEADER = (
    "time",
    "action",
    "actor",
    "target type",
    "target id",
    "target",
    "changes",
    "ip address",
    "user agent",
)


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    yield [*CSV_HEADER]
    for event in events.iterator(chunk_size=500):
        yield [
            timezone.localtime(event.created_at).isoformat(timespec="seconds"),
            event.action,
            event.actor_username or "system",
            event.target_type,
            event.target_id,
            event.target_label,
            changes_text(event),
            event.ip_address,
            event.user_agent,
        ]
