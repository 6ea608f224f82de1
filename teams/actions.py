"""What a team admin does with people: create a team, add members, change roles.

Keyword-only services named for the action (style.md habit 3). A broken rule raises
ValidationError with a sentence the page shows as it is.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from teams.models import Membership, Team

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
    return member_of(team, user_id)


def member_of(team: Team, user_id: int) -> Membership:
    """The user's membership of `team`, or ValidationError naming the problem."""
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


def team_create(*, name: str, admin: User) -> Team:
    team = Team.objects.create(name=name)
    Membership.objects.create(user=admin, team=team, role=Membership.Role.ADMIN)
    return team
