"""Read-only questions the studio pages ask: a user's feed, history and spend."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet, Sum
from django.utils import timezone

from generations.models import Generation
from spend.models import LedgerEntry

FEED_SIZE = 24
HISTORY_PAGE_SIZE = 30


def user_generations(user: AbstractBaseUser) -> QuerySet[Generation]:
    """The user's generations, newest first, with their images in one extra query."""
    return (
        Generation.objects.filter(owner=user)
        .order_by("-created_at", "-id")
        .prefetch_related("images")
    )


def recent_generations(user: AbstractBaseUser, *, limit: int = FEED_SIZE) -> list[Generation]:
    return list(user_generations(user)[:limit])


def history_page(
    user: AbstractBaseUser, *, before: int | None = None, size: int | None = None
) -> tuple[list[Generation], int | None]:
    """One keyset page (ids below `before`) and the `before` of the next page, if any.

    Ids grow with creation time, so ordering by id keeps the pages stable while new
    generations arrive and costs the same on page 1 and page 1,000.
    """
    size = size or HISTORY_PAGE_SIZE
    rows = Generation.objects.filter(owner=user)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    # The team too: a user on several teams sees which one each generation was made for.
    rows = rows.order_by("-id").select_related("team").prefetch_related("images")
    page = list(rows[: size + 1])
    next_before = page[size - 1].pk if len(page) > size else None
    return page[:size], next_before


def month_start(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now())
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def user_spend(
    user: AbstractBaseUser, *, since: datetime | None = None, team_id: int | None = None
) -> Decimal:
    """What the gateway really charged for the user's generations (settlements), for
    one team of theirs when `team_id` is given."""
    entries = LedgerEntry.objects.filter(user=user, kind=LedgerEntry.Kind.SETTLEMENT)
    if team_id is not None:
        entries = entries.filter(team_id=team_id)
    if since is not None:
        entries = entries.filter(spent_at__gte=since)
    total = entries.aggregate(total=Sum("amount"))["total"]
    return total if total is not None else Decimal(0)
