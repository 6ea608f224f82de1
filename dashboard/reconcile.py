"""Reconciliation: does every money figure still agree with the ledger?

Checked, each against sums of spend.LedgerEntry computed here afresh:
- every budget period's `reserved` and `spent`;
- every generation's `cost` (the sum of its settlements);
- no finished generation still holds money (a hold nobody will settle);
- every settlement released exactly what its hold held;
- what the pages show: the dashboard's period totals per team, the header's monthly
  spend per user, and the CSV export's total, through the functions those pages call.

`manage.py reconcile_spend` prints the drift and exits 1 when there is any; a beat
task runs the same check and keeps the result for the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from dashboard import figures, listing
from generations.models import Generation
from spend import budgets, rollups
from spend.models import BudgetPeriod, LedgerEntry, ReconciliationRun
from spend.money import usd
from teams.models import Team

ZERO = Decimal(0)
SETTLEMENT = LedgerEntry.Kind.SETTLEMENT
RESERVATION = LedgerEntry.Kind.RESERVATION


@dataclass
class Report:
    checked: int = 0
    drift: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.drift

    def compare(self, what: str, shown: Decimal | None, truth: Decimal | None) -> None:
        self.checked += 1
        shown, truth = shown or ZERO, truth or ZERO
        if shown != truth:
            self.drift.append(f"{what}: shows {usd(shown)} ({shown}), the ledger {truth}")


def reconcile() -> Report:
    report = Report()
    _periods(report)
    _generation_costs(report)
    _open_holds(report)
    _releases(report)
    for team in Team.objects.all().iterator():
        _rollups(report, team)
        _pages(report, team)
    _headers(report)
    return report


def _periods(report: Report) -> None:
    for period in BudgetPeriod.objects.select_related("budget").iterator():
        reserved, spent = budgets.ledger_totals(
            team_id=period.budget.team_id,
            user_id=period.budget.user_id,
            starts_at=period.starts_at,
            ends_at=period.ends_at,
        )
        name = f"budget {period.budget} from {period.starts_at:%Y-%m-%d}"
        report.compare(f"{name}, spent", period.spent, spent)
        report.compare(f"{name}, reserved", period.reserved, reserved)


def _generation_costs(report: Report) -> None:
    charged = (
        LedgerEntry.objects.filter(generation=OuterRef("pk"), kind=SETTLEMENT)
        .order_by()
        .values("generation")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=20, decimal_places=10)
    rows = (
        Generation.objects.filter(ledger__kind=SETTLEMENT)
        .distinct()
        .annotate(charged=Coalesce(Subquery(charged, output_field=money), Value(ZERO)))
        .values_list("pk", "cost", "charged")
    )
    for pk, cost, total in rows.iterator():
        report.compare(f"generation #{pk}'s cost", cost, total)


def _open_holds(report: Report) -> None:
    """Finished generations whose every hold is settled: holds = settlements."""
    rows = (
        LedgerEntry.objects.filter(generation__status__in=Generation.FINISHED)
        .values("generation")
        .annotate(
            holds=Sum(Value(1), filter=Q(kind=RESERVATION)),
            settled=Sum(Value(1), filter=Q(kind=SETTLEMENT)),
        )
        .exclude(holds=Coalesce("settled", 0))
        .order_by("generation")
    )
    for row in rows:
        report.checked += 1
        report.drift.append(
            f"generation #{row['generation']} has finished but still holds money "
            f"({row['holds']} holds, {row['settled'] or 0} settled)"
        )
    report.checked += 1


def _releases(report: Report) -> None:
    held = LedgerEntry.objects.filter(
        generation=OuterRef("generation"), hold=OuterRef("hold"), kind=RESERVATION
    ).values("amount")[:1]
    wrong = (
        LedgerEntry.objects.filter(kind=SETTLEMENT, generation__isnull=False)
        .annotate(held=Subquery(held))
        .exclude(released=Coalesce("held", Value(ZERO)))
        .values_list("generation_id", "hold", "released", "held")
    )
    report.checked += 1
    for generation_id, hold, released, amount in wrong:
        report.drift.append(
            f"generation #{generation_id}, hold {hold}: released {released}, held {amount}"
        )


def _pages(report: Report, team: Team) -> None:
    """The figures the dashboard, header and CSV show for the team's current period."""
    kind = figures.period_kind(figures.team_budgets(team))
    period = figures.period_for(kind, None)
    entries = figures.team_ledger(team, period.starts_at, period.ends_at)
    truth = entries.filter(kind=SETTLEMENT).aggregate(s=Sum("amount"))["s"]
    rows = figures.team_generations(team, period.starts_at, period.ends_at)
    spend = figures.spend(team, period, rows)
    for name, cut in (
        ("member", spend.by_member),
        ("day", spend.by_day),
        ("model", spend.by_model),
    ):
        shown = sum((r["spent"] or ZERO for r in cut), ZERO)
        report.compare(f"team {team}'s spend per {name} (dashboard)", shown, truth)
    csv_total = listing.export_total(team, first=period.first_day, last=period.last_day)
    report.compare(f"team {team}'s CSV export", csv_total, truth)


def _rollups(report: Report, team: Team) -> None:
    """Every (day, model, member) cell the dashboard reads, against the ledger's."""
    kept = {
        (c["day"], c["model_id"], c["user_id"]): c
        for c in rollups.cells(team.pk, date.min, date.max)
    }
    for cell in rollups.from_ledger(team.pk):
        key = (cell["day"], cell["model_id"], cell["user_id"])
        have = kept.pop(key, {"spent": ZERO, "count": 0})
        name = f"team {team}'s rollup for user {key[2]}, {key[1]}, {key[0]}"
        report.compare(f"{name}: spent", have["spent"], cell["spent"])
        report.checked += 1
        if have["count"] != cell["count"]:
            report.drift.append(f"{name}: {have['count']} submitted, the ledger {cell['count']}")
    for key, cell in kept.items():
        if cell["spent"] or cell["count"]:
            report.drift.append(f"team {team}'s rollup {key} has no ledger rows behind it")


def _headers(report: Report) -> None:
    """Every page's header: the user's spend this month."""
    from generations.queries import month_start, user_spend

    since = month_start()
    truth = dict(
        LedgerEntry.objects.filter(kind=SETTLEMENT, spent_at__gte=since)
        .values("user")
        .annotate(s=Sum("amount"))
        .values_list("user", "s")
    )
    User = get_user_model()
    for user in User.objects.filter(pk__in=truth).iterator():
        report.compare(
            f"{user}'s header, this month", user_spend(user, since=since), truth[user.pk]
        )


def record(report: Report) -> ReconciliationRun:
    return ReconciliationRun.objects.create(
        ok=report.ok, checked=report.checked, drift=report.drift[:200]
    )
