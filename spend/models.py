"""Money: the ledger (the record of truth), budgets and their periods, alerts, the
dashboard's rollups, reconciliation runs, a generation's sends and admin-set prices.

The ledger and the send log name the generation they belong to through a lazy foreign
key ("generations.Generation"): the database keeps them honest, while the code here never
imports the generations app, which sits above this one (see .importlinter).
These tables kept their names from before this app existed (Meta.db_table): moving the
models moved no data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from teams.models import Team


class _MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _MoneyDigits = {"max_digits": 20, "decimal_places": 10}  # xAI ticks are 1e-10 USD
DEFAULT_ALERT_THRESHOLDS = [50, 80, 100]


def default_alert_thresholds() -> list[int]:
    return list(DEFAULT_ALERT_THRESHOLDS)


class Budget(models.Model):
    """A spending limit per period, for the whole team (user empty) or one member."""

    class Period(models.TextChoices):
        MONTH = "month", "Monthly"
        WEEK = "week", "Weekly"
        DAY = "day", "Daily"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="budgets")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="budgets",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.MONTH)
    # Percentages of the limit at which the team's admins are told, once a period each.
    alert_thresholds = models.JSONField(default=default_alert_thresholds, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "teams_budget"  # kept from before the move: no data moved
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_budget_per_member"),
            models.UniqueConstraint(
                fields=["team"], condition=models.Q(user__isnull=True), name="one_team_budget"
            ),
        ]

    def __str__(self) -> str:
        who = self.user or "team"
        return f"{self.team}: {who} ${self.amount} {self.period}"


class BudgetPeriod(models.Model):
    """One period of a budget. Rows of past periods are kept as history.

    `reserved` and `spent` are running totals of the ledger (spend.LedgerEntry)
    in the budget's scope over [starts_at, ends_at): a row created mid-period starts
    from what the ledger already holds, and `manage.py reconcile_spend` checks that
    they still agree."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    limit = models.DecimalField(max_digits=14, decimal_places=2)
    reserved = models.DecimalField(max_digits=20, decimal_places=10, default=0)
    spent = models.DecimalField(max_digits=20, decimal_places=10, default=0)

    class Meta:
        db_table = "teams_budgetperiod"  # kept from before the move: no data moved
        ordering = ("-starts_at",)
        constraints = [
            models.UniqueConstraint(fields=["budget", "starts_at"], name="one_row_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.budget} from {self.starts_at:%Y-%m-%d}"


class BudgetAlert(models.Model):
    """A threshold of a budget's period that spending crossed: fired once per
    threshold per period (the unique constraint makes a second firing impossible)."""

    period = models.ForeignKey(BudgetPeriod, on_delete=models.CASCADE, related_name="alerts")
    threshold = models.PositiveSmallIntegerField()  # percent of the limit
    spent = models.DecimalField(max_digits=20, decimal_places=10)
    limit = models.DecimalField(max_digits=14, decimal_places=2)
    fired_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "teams_budgetalert"  # kept from before the move: no data moved
        ordering = ("-fired_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["period", "threshold"], name="alert_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period.budget}: {self.threshold}% reached"


class SpendRollup(models.Model):
    """What a member spent on a model in a day, and how many generations they submitted:
    kept by the ledger's writes (spend.ledger) in the same transaction, under the
    team's money lock, so the dashboard reads a few hundred rows instead of summing
    the ledger. `manage.py reconcile_spend` checks them against the ledger; deleting a
    generation changes neither."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    model_id = models.CharField(max_length=200)
    day = models.DateField()  # in TIME_ZONE, like the dashboard's days
    spent = models.DecimalField(max_digits=20, decimal_places=10, default=0)
    submitted = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "teams_spendrollup"  # kept from before the move: no data moved
        constraints = [
            models.UniqueConstraint(
                fields=["team", "day", "user", "model_id"], name="one_rollup_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.user_id}/{self.model_id} {self.day}: {self.spent}"


class ReconciliationRun(models.Model):
    """One run of the ledger-vs-everything check; the dashboard shows the latest."""

    ran_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    checked = models.PositiveIntegerField(default=0)
    drift = models.JSONField(default=list, blank=True)  # sentences, one per disagreement

    class Meta:
        db_table = "teams_reconciliationrun"  # kept from before the move: no data moved
        ordering = ("-ran_at", "-id")

    def __str__(self) -> str:
        return f"reconciliation {self.ran_at:%Y-%m-%d %H:%M} ({'ok' if self.ok else 'drift'})"


class LedgerEntry(models.Model):
    """The record of truth for money: every figure on every page is a sum of these.

    A reservation holds an estimate against the budgets (one per hold: the submit's,
    and one more for each time a generation is sent again). A settlement ends one hold:
    it releases the held amount (`released`) and books what the gateway charged
    (`amount`; zero when nothing was billed). `unconfirmed` marks a charge booked
    without an answer to confirm it: the request was sent and its answer lost, so the
    gateway may have billed it; see the dashboard's "charges to check".

    `spent_at` is the moment the money belongs to (the generation's submit time, which
    chose its budget periods); `created_at` is when the row was written.
    """

    class Kind(models.TextChoices):
        RESERVATION = "reservation", "Reservation"
        SETTLEMENT = "settlement", "Settlement"

    # Money spent stays spent: deleting a generation keeps its ledger rows.
    generation = models.ForeignKey(
        "generations.Generation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ledger",
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    model_id = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    hold = models.PositiveSmallIntegerField(default=1)  # which hold of the generation
    amount = models.DecimalField(**MONEY)
    released = models.DecimalField(**MONEY, default=Decimal(0))
    unconfirmed = models.BooleanField(default=False)
    basis = models.TextField(blank=True)
    spent_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "generations_ledgerentry"  # kept from before the move: no data moved
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "kind", "hold"], name="ledger_once_per_hold"
            )
        ]
        indexes = [
            # The dashboard's sums over one team's period, read from the index alone.
            models.Index(
                fields=["team", "spent_at"],
                include=["user", "model_id", "kind", "amount", "released", "generation"],
                name="ledger_team_spent",
            ),
            # Every page's header shows the user's spend this month.
            models.Index(
                fields=["user", "kind", "spent_at"], include=["amount"], name="ledger_user_spent"
            ),
            models.Index(
                fields=["team", "spent_at"],
                name="ledger_unconfirmed",
                condition=Q(unconfirmed=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} for generation {self.generation_id}"


class GatewayAttempt(models.Model):
    """One request sent to the gateway for a generation, written just before it goes,
    so a worker that dies mid-call leaves a trace of a request that may be billed."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent, no answer yet"
        ANSWERED = "answered", "Answered: billed"
        REFUSED = "refused", "Refused: not billed"
        UNKNOWN = "unknown", "No answer: may have been billed"
        LOST = "lost", "Worker lost: may have been billed"

    generation = models.ForeignKey(
        "generations.Generation", on_delete=models.CASCADE, related_name="sends"
    )
    number = models.PositiveSmallIntegerField()
    claim = models.PositiveIntegerField()  # the generation's attempt (fencing token)
    sent_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SENT)
    billed = models.DecimalField(**MONEY, null=True, blank=True)  # as known; empty: unknown
    note = models.TextField(blank=True)

    class Meta:
        db_table = "generations_gatewayattempt"  # kept from before the move: no data moved
        ordering = ("generation", "number")
        constraints = [models.UniqueConstraint(fields=["generation", "number"], name="send_number")]

    def __str__(self) -> str:
        return f"send {self.number} of generation {self.generation_id} ({self.outcome})"


class ModelPrice(models.Model):
    """A per-image price an admin set for a model the catalog gives no usable price
    for. Until one exists such a model is offered as unavailable, never as free.
    `team` empty: the studio-wide price (Django admin); else that team's own."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True)
    model_id = models.CharField(max_length=200)
    usd_per_image = models.DecimalField(max_digits=14, decimal_places=6)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "generations_modelprice"  # kept from before the move: no data moved
        constraints = [
            models.UniqueConstraint(fields=["team", "model_id"], name="one_price_per_team"),
            models.UniqueConstraint(
                fields=["model_id"], condition=Q(team__isnull=True), name="one_studio_price"
            ),
            models.CheckConstraint(condition=Q(usd_per_image__gt=0), name="price_above_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id}: ${self.usd_per_image}/image"
