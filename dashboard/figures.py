"""The questions the team dashboard asks, each answered by the database.

Every figure is an aggregate (`values().annotate(Sum/Count)`) over one team's
generations in one period, so the work stays in PostgreSQL and a page costs the same
fixed handful of queries whether the team made ten generations or a million. The
indexes that make this fast are on `Generation.Meta` (`gen_team_period`, an
index-only scan over (team, created_at) that carries the grouped columns, and
`gen_team_failures`, a partial index on failures); bench/dashboard.py measures them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from generations.models import Generation
from spend import budgets, rollups
from spend.models import Budget, BudgetPeriod, LedgerEntry
from teams.models import Membership, Team

FAILED = Generation.Status.FAILED
RECENT_FAILURES = 10
PERIODS_LISTED = 12
# The gateway's error types (gateway-contract.md section 2) and the client's own, in words.
ERROR_LABELS = {
    "auth_error": "Key refused (401)",
    "insufficient_balance": "Gateway credit too low (402)",
    "forbidden": "Model not available to the account (403)",
    "model_not_found": "Unknown model (404)",
    "model_retired": "Model retired (410)",
    "request_too_large": "Request too large (413)",
    "rate_limit_exceeded": "Rate limited (429)",
    "internal_error": "Gateway error (500)",
    "provider_error": "Provider error (502)",
    "provider_unavailable": "Provider unavailable (503)",
    "timeout": "Timed out",
    "invalid_request_error": "Rejected request (400)",
    "unsupported_operation": "Wrong endpoint for the model (400)",
    "connect_error": "Could not connect",
    "connection_lost": "Connection lost",
    "malformed_response": "Malformed answer",
    "download_failed": "Result download failed",
}


def error_label(error_type: str) -> str:
    if not error_type:
        return "No reason recorded"
    return ERROR_LABELS.get(error_type, error_type.replace("_", " ").capitalize())


def labelled(rows) -> list[dict]:
    rows = list(rows)
    for row in rows:
        row["label"] = error_label(row["error_type"])
    return rows


# --- periods -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[starts_at, ends_at) in local time, of one budget period kind."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    is_current: bool

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.starts_at).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.ends_at - timedelta(microseconds=1)).date()

    @property
    def range_query(self) -> dict[str, str]:
        """The `from`/`to` query parameters (inclusive local dates) of this period."""
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def period_containing(kind: str, at: datetime) -> Period:
    starts_at, ends_at = budgets.period_bounds(kind, at)
    now = timezone.now()
    return Period(kind, starts_at, ends_at, is_current=starts_at <= now < ends_at)


def period_for(kind: str, start: date | None) -> Period:
    """The period that contains `start` (the current one when None or in the future)."""
    current = period_containing(kind, timezone.now())
    if start is None:
        return current
    chosen = period_containing(kind, local_midnight(start))
    return current if chosen.starts_at > current.starts_at else chosen


def recent_periods(kind: str, count: int = PERIODS_LISTED) -> list[Period]:
    """The current period and the ones before it, newest first."""
    periods = [period_containing(kind, timezone.now())]
    while len(periods) < count:
        periods.append(period_containing(kind, periods[-1].starts_at - timedelta(seconds=1)))
    return periods


# --- budgets -------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetUse:
    """A budget's period row as the dashboard shows it: spent + reserved of limit."""

    budget: Budget
    period: BudgetPeriod  # unsaved (all zero) when nothing was spent in it yet
    days_left: int

    @property
    def used(self) -> Decimal:
        return self.period.spent + self.period.reserved

    @property
    def percent(self) -> int:
        if self.period.limit <= 0:
            return 100 if self.used > 0 else 0
        return min(100, int(self.used * 100 / self.period.limit))

    @property
    def spent_percent(self) -> int:
        if self.period.limit <= 0:
            return 0
        return min(100, int(self.period.spent * 100 / self.period.limit))

    @property
    def is_over(self) -> bool:
        return self.used >= self.period.limit


def team_budgets(team: Team) -> list[Budget]:
    return list(Budget.objects.filter(team=team).order_by("user_id"))


def period_kind(budget_list: list[Budget]) -> str:
    """The dashboard follows the team budget's period; monthly when there is none."""
    team_budget = next((b for b in budget_list if b.user_id is None), None)
    return team_budget.period if team_budget else Budget.Period.MONTH


def budget_uses(budget_list: list[Budget], period: Period) -> dict[int | None, BudgetUse]:
    """Each budget's period row at the dashboard's period (its last moment, or now for
    the current one), keyed by member id (None: the team). One query; nothing is
    written, so a period without a row shows the ledger's totals in an unsaved one."""
    if not budget_list:
        return {}
    now = timezone.now()
    at = now if period.is_current else period.ends_at - timedelta(microseconds=1)
    rows = BudgetPeriod.objects.filter(
        budget__in=budget_list, starts_at__lte=at, ends_at__gt=at
    ).order_by()
    by_budget = {row.budget_id: row for row in rows}
    missing = [b for b in budget_list if b.pk not in by_budget]
    ledger = _ledger_by_member(budget_list[0].team_id, missing, at)
    uses = {}
    for budget in budget_list:
        row = by_budget.get(budget.pk)
        if row is None:  # nobody spent under this budget then: the ledger may have
            starts_at, ends_at = budgets.period_bounds(budget.period, at)
            per_member = ledger[(starts_at, ends_at)]
            if budget.user_id is None:
                reserved = sum((r for r, _ in per_member.values()), Decimal(0))
                spent = sum((s for _, s in per_member.values()), Decimal(0))
            else:
                reserved, spent = per_member.get(budget.user_id, (Decimal(0), Decimal(0)))
            row = budgets.period_row(budget, (starts_at, ends_at), reserved=reserved, spent=spent)
        uses[budget.user_id] = BudgetUse(budget, row, budgets.days_left(row, at=now))
    return uses


def _ledger_by_member(team_id: int, missing: list[Budget], at: datetime) -> dict:
    """(reserved, spent) per member from the ledger, for each period span the budgets
    without a row cover: one grouped query per span (budgets share one span unless
    their kinds differ)."""
    spans = {budgets.period_bounds(b.period, at) for b in missing}
    result: dict = {}
    for starts_at, ends_at in spans:
        rows = (
            LedgerEntry.objects.filter(team_id=team_id, spent_at__gte=starts_at)
            .filter(spent_at__lt=ends_at)
            .values("user_id")
            .annotate(
                held=Sum("amount", filter=Q(kind=LedgerEntry.Kind.RESERVATION)),
                released=Sum("released", filter=Q(kind=LedgerEntry.Kind.SETTLEMENT)),
                spent=SPENT,
            )
            .order_by()
        )
        zero = Decimal(0)
        result[(starts_at, ends_at)] = {
            r["user_id"]: ((r["held"] or zero) - (r["released"] or zero), r["spent"] or zero)
            for r in rows
        }
    return result


def past_budget_periods(team: Team, limit: int = 60) -> list[BudgetPeriod]:
    """Kept period rows of the team's budgets, newest first."""
    rows = list(
        BudgetPeriod.objects.filter(budget__team=team)
        .select_related("budget__user")
        .order_by("-starts_at", F("budget__user_id").asc(nulls_first=True))[:limit]
    )
    for row in rows:  # the inclusive last day, for people; ends_at is the next start
        row.last_day = timezone.localtime(row.ends_at - timedelta(microseconds=1)).date()
    return rows


# --- spend ---------------------------------------------------------------------------


def team_generations(team: Team, starts_at: datetime, ends_at: datetime) -> QuerySet[Generation]:
    return Generation.objects.filter(team=team, created_at__gte=starts_at, created_at__lt=ends_at)


def team_ledger(team: Team, starts_at: datetime, ends_at: datetime) -> QuerySet[LedgerEntry]:
    """The team's money in the period: the record every figure here is summed from,
    so generations deleted since still count."""
    return LedgerEntry.objects.filter(team=team, spent_at__gte=starts_at, spent_at__lt=ends_at)


# What was charged.
SPENT = Sum("amount", filter=Q(kind=LedgerEntry.Kind.SETTLEMENT))


@dataclass(frozen=True)
class Spend:
    """The period's spend and submissions, cut three ways: cells of (day, model,
    member) summed in the database, folded here."""

    by_day: list[dict]
    by_model: list[dict]
    by_member: list[dict]


def spend(team: Team, period: Period, rows: QuerySet[Generation]) -> Spend:
    """From the rollups the ledger keeps (spend.rollups): a few hundred cells a month,
    however many generations there were."""
    cells = rollups.cells(team.pk, period.first_day, period.last_day)
    days: dict = {}
    models: dict = {}
    members: dict = {}
    for cell in cells:
        for table, key, name in (
            (days, cell["day"], "day"),
            (models, cell["model_id"], "model_id"),
            (members, cell["user_id"], "owner_id"),
        ):
            row = table.setdefault(key, {name: key, "spent": None, "count": 0})
            if cell["spent"] is not None:
                row["spent"] = (row["spent"] or Decimal(0)) + cell["spent"]
            row["count"] += cell["count"]
    biggest = lambda r: (-(r["spent"] or Decimal(0)),)  # noqa: E731
    return Spend(
        by_day=sorted(days.values(), key=lambda r: r["day"]),
        by_model=sorted(models.values(), key=lambda r: (*biggest(r), r["model_id"])),
        by_member=_with_failures(
            sorted(members.values(), key=lambda r: (*biggest(r), r["owner_id"])), rows
        ),
    )


def _with_failures(by_member: list[dict], rows: QuerySet[Generation]) -> list[dict]:
    """Each member's failures (the generations' partial index), and members who only
    failed; the period's totals are the sums of these few rows."""
    failed = dict(
        rows.filter(status=FAILED)
        .values("owner_id")
        .annotate(n=Count("*"))
        .values_list("owner_id", "n")
    )
    for row in by_member:
        row["failed"] = failed.pop(row["owner_id"], 0)
    return by_member + [
        {"owner_id": k, "spent": None, "count": 0, "failed": n} for k, n in failed.items()
    ]


def unconfirmed_charges(entries: QuerySet[LedgerEntry], limit: int = 20) -> list[LedgerEntry]:
    """Charges booked without an answer to confirm them: check them against the
    gateway's bill. `double` marks those whose generation was sent again as well."""
    rows = list(
        entries.filter(kind=LedgerEntry.Kind.SETTLEMENT, unconfirmed=True)
        .select_related("user", "generation")
        .order_by("-spent_at", "-id")[:limit]
    )
    resent = set(
        LedgerEntry.objects.filter(
            generation_id__in=[r.generation_id for r in rows if r.generation_id],
            kind=LedgerEntry.Kind.RESERVATION,
            hold__gt=1,
        ).values_list("generation_id", flat=True)
    )
    for row in rows:
        row.double = row.generation_id in resent
    return rows


def failures_by_type(rows: QuerySet[Generation]) -> list[dict]:
    return labelled(
        rows.filter(status=FAILED)
        .values("error_type")
        .annotate(count=Count("*"), last_at=Max("created_at"))
        .order_by("-count", "error_type")
    )


def recent_failures(rows: QuerySet[Generation], limit: int = RECENT_FAILURES) -> list[Generation]:
    return list(
        rows.filter(status=FAILED)
        .select_related("owner")
        .only("id", "created_at", "model_id", "error_type", "error_message", "owner__username")
        .order_by("-created_at", "-id")[:limit]
    )


def members(team: Team, extra_ids: set[int]) -> list:
    """The team's members, and anyone who spent in the period but has left since."""
    User = get_user_model()
    on_team = Membership.objects.filter(team=team)
    role = on_team.filter(user=OuterRef("pk")).values("role")[:1]
    return list(
        User.objects.filter(Q(pk__in=on_team.values("user_id")) | Q(pk__in=extra_ids))
        .annotate(team_role=Subquery(role))
        .order_by("username")
    )


def role_of(user, team: Team) -> str:
    """The user's role in `team` (a user may be on several teams), "" once they left."""
    if hasattr(user, "team_role"):  # read with the members() query
        return user.team_role or ""
    row = Membership.objects.filter(user=user, team=team).values_list("role", flat=True)
    return row.first() or ""
