from django.conf import settings
from django.db import models

DEFAULT_ALERT_THRESHOLDS = [50, 80, 100]


def default_alert_thresholds() -> list[int]:
    return list(DEFAULT_ALERT_THRESHOLDS)


class Team(models.Model):
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    # A member's generation estimated above this waits for an admin's approval, its
    # estimate held against the budgets meanwhile. Empty: nothing waits.
    approval_above = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a team. One team per user keeps ownership questions simple."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


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

    `reserved` and `spent` are running totals of the ledger (generations.LedgerEntry)
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
        ordering = ("-fired_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["period", "threshold"], name="alert_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period.budget}: {self.threshold}% reached"


class SpendRollup(models.Model):
    """What a member spent on a model in a day, and how many generations they submitted:
    kept by the ledger's writes (generations.ledger) in the same transaction, under the
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
        ordering = ("-ran_at", "-id")

    def __str__(self) -> str:
        return f"reconciliation {self.ran_at:%Y-%m-%d %H:%M} ({'ok' if self.ok else 'drift'})"


class GatewayCheck(models.Model):
    """One "does the gateway key work?" check, asked for by a team admin and run by a
    worker. State lives on the row: the dashboard reads it, never a Celery result."""

    class Status(models.TextChoices):
        PENDING = "pending", "Checking"
        OK = "ok", "Key works"
        FAILED = "failed", "Key refused or gateway unreachable"

    requested_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)  # scrubbed of the key before it is saved
    models_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")

    def __str__(self) -> str:
        return f"gateway check {self.pk} ({self.status})"
