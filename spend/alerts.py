"""Budget alerts: when a period's spend crosses one of its budget's thresholds, the
team's admins are told once, in the app and by e-mail.

`check` runs inside the settlement's transaction, under the team's money lock
(budgets.lock_team), so two settlements crossing 80% at the same moment see each
other's spend and only one of them fires it; the unique constraint on (period,
threshold) makes a second row impossible even without the lock. E-mail is sent after
commit: a rolled-back settlement tells nobody anything.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from spend.models import BudgetAlert, BudgetPeriod
from spend.money import usd
from spend.signals import budget_threshold_crossed
from teams.models import Membership, Team

log = logging.getLogger(__name__)


def thresholds(period: BudgetPeriod) -> list[int]:
    raw = period.budget.alert_thresholds or []
    return sorted({int(t) for t in raw if isinstance(t, int | float) and 0 < t <= 1000})


def crossed(period: BudgetPeriod) -> list[int]:
    """The thresholds the period's spend has reached."""
    if period.limit <= 0:
        return thresholds(period) if period.spent > 0 else []
    percent = period.spent * 100 / period.limit
    return [t for t in thresholds(period) if percent >= t]


def check(period: BudgetPeriod) -> list[BudgetAlert]:
    """Fire the thresholds the period has crossed and not fired yet."""
    due = crossed(period)
    if not due:
        return []
    fired = set(BudgetAlert.objects.filter(period=period).values_list("threshold", flat=True))
    new = []
    for threshold in due:
        if threshold in fired:
            continue
        try:
            with transaction.atomic():
                alert = BudgetAlert.objects.create(
                    period=period, threshold=threshold, spent=period.spent, limit=period.limit
                )
        except IntegrityError:  # fired by a concurrent settlement a moment ago
            continue
        new.append(alert)
    if new:
        ids = [a.pk for a in new]
        transaction.on_commit(lambda: send_alert_mail(ids))
        transaction.on_commit(
            lambda: budget_threshold_crossed.send_robust(sender=BudgetAlert, alert_ids=ids)
        )
    return new


def describe(alert: BudgetAlert) -> str:
    budget = alert.period.budget
    whose = f"{budget.user}'s" if budget.user_id else "The team's"
    kind = budget.get_period_display().lower()
    return (
        f"{whose} {kind} budget has reached {alert.threshold}%: {usd(alert.spent)} spent "
        f"of {usd(alert.limit)}."
    )


def admin_emails(team_id: int) -> list[str]:
    User = get_user_model()
    admins = Membership.objects.filter(team_id=team_id, role=Membership.Role.ADMIN)
    rows = User.objects.filter(pk__in=admins.values("user_id")).exclude(email="")
    return sorted(rows.values_list("email", flat=True))


def send_alert_mail(alert_ids: list[int]) -> None:
    alerts = BudgetAlert.objects.filter(pk__in=alert_ids).select_related(
        "period__budget__user", "period__budget__team"
    )
    for alert in alerts:
        team = alert.period.budget.team
        to = admin_emails(team.pk)
        if not to:
            continue
        try:
            send_mail(
                subject=f"[{team.name}] budget at {alert.threshold}%",
                message=describe(alert) + "\n\nSee the team dashboard for who spent what.",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=to,
            )
        except Exception:  # a mail server that is down must not undo a settlement
            log.exception("could not send budget alert %s by e-mail", alert.pk)


def open_alerts(team: Team) -> QuerySet[BudgetAlert]:
    """Alerts the team's admins have not dismissed, newest first."""
    return BudgetAlert.objects.filter(
        period__budget__team=team, dismissed_at__isnull=True
    ).select_related("period__budget__user")


def dismiss(*, team: Team, alert_id: int) -> bool:
    """Mark the team's alert as seen; False when the team has no such alert."""
    rows = BudgetAlert.objects.filter(pk=alert_id, period__budget__team=team)
    if not rows.exists():
        return False
    rows.filter(dismissed_at__isnull=True).update(dismissed_at=timezone.now())
    return True
