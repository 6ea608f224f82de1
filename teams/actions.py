"""What a team admin does: members and roles, budgets, and the gateway key check.

Keyword-only services named for the action (style.md habit 3). A broken rule raises
ValidationError with a sentence the page shows as it is.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from teams import alerts, budgets
from teams.dashboard import CHECK_PATIENCE
from teams.models import Budget, BudgetPeriod, GatewayCheck, Membership, Team

log = logging.getLogger(__name__)

ADMIN = Membership.Role.ADMIN


# --- members -------------------------------------------------------------------------


def member_add(*, team: Team, username: str, password: str = "", role: str) -> Membership:
    """Add an existing user by username, or create the user when `password` is given."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        elsewhere = Membership.objects.filter(user=user).exclude(team=team).exists()
        if user is None or elsewhere:
            # Someone on another team and nobody at all read the same: an admin learns
            # nothing about other teams' accounts from this page.
            if not password:
                raise ValidationError(
                    f"No user called {username} can be added. To create a new account for "
                    "them, give a password too."
                )
            if user is not None:
                raise ValidationError(
                    f"The username {username} cannot be used for a new account; choose another."
                )
            validate_password(password, user=User(username=username))
            user = User.objects.create_user(username=username, password=password)
        elif Membership.objects.filter(user=user, team=team).exists():
            raise ValidationError(f"{username} is already on this team.")
        return Membership.objects.create(user=user, team=team, role=role)


def _membership_for_change(team: Team, user_id: int) -> Membership:
    """The member's row, with the team's admin rows locked so two admins demoting each
    other at the same moment cannot leave the team with none."""
    admins = Membership.objects.select_for_update().filter(team=team, role=ADMIN)
    list(admins)
    membership = Membership.objects.filter(team=team, user_id=user_id).first()
    if membership is None:
        raise ValidationError("That person is not on the team.")
    return membership


def _is_last_admin(membership: Membership) -> bool:
    others = Membership.objects.filter(team_id=membership.team_id, role=ADMIN).exclude(
        pk=membership.pk
    )
    return membership.is_admin and not others.exists()


def member_set_role(*, team: Team, user_id: int, role: str) -> Membership:
    with transaction.atomic():
        membership = _membership_for_change(team, user_id)
        if role != ADMIN and _is_last_admin(membership):
            raise ValidationError(
                f"{membership.user} is the team's only admin: make someone else admin first."
            )
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def member_remove(*, team: Team, user_id: int) -> None:
    """Take the member off the team. Their generations stay in the team's history."""
    with transaction.atomic():
        membership = _membership_for_change(team, user_id)
        if _is_last_admin(membership):
            raise ValidationError(
                f"{membership.user} is the team's only admin: make someone else admin first."
            )
        membership.delete()


# --- budgets -------------------------------------------------------------------------


def budget_set(
    *,
    team: Team,
    user_id: int | None,
    amount: Decimal,
    period: str,
    alert_thresholds: list[int] | None = None,
) -> Budget:
    """Set the team's (user_id None) or a member's budget. The new limit applies to the
    current period at once, which counts everything the ledger holds in it already
    (a budget set on the 20th knows what was spent since the 1st); rows of past
    periods keep the limit they had."""
    if user_id is not None and not Membership.objects.filter(team=team, user_id=user_id).exists():
        raise ValidationError("That person is not on the team.")
    defaults: dict = {"amount": amount, "period": period}
    if alert_thresholds is not None:
        defaults["alert_thresholds"] = alert_thresholds
    with transaction.atomic():
        budgets.lock_team(team.pk)
        budget, _ = Budget.objects.update_or_create(team=team, user_id=user_id, defaults=defaults)
        current = budgets.current_period(budget)
        if current.limit != amount:
            BudgetPeriod.objects.filter(pk=current.pk).update(limit=amount)
            current.limit = amount
            alerts.check(current)
    return budget


# --- the gateway key -----------------------------------------------------------------


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
    from teams.tasks import check_gateway_key

    check_gateway_key.delay(check_id)


def gateway_check_run(*, check_id: int) -> GatewayCheck | None:
    """Ask the gateway for its model list with the studio's key and record the answer."""
    from generations.gateway import gateway_client
    from llmtr.errors import LLMTRError

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
