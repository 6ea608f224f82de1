"""Who may see what: the one place that answers it."""

from django.contrib.auth.models import AbstractBaseUser

from teams.models import Membership, Team


def membership_of(user: AbstractBaseUser) -> Membership | None:
    try:
        return user.membership  # type: ignore[attr-defined]
    except Membership.DoesNotExist:
        return None


def team_of(user: AbstractBaseUser) -> Team | None:
    membership = membership_of(user)
    return membership.team if membership else None


def admin_membership(user: AbstractBaseUser) -> Membership | None:
    """The user's membership if they are an admin of their team, else None."""
    membership = membership_of(user) if user.is_authenticated else None
    return membership if membership is not None and membership.is_admin else None


def is_team_admin(user: AbstractBaseUser, team_id: int | None) -> bool:
    membership = admin_membership(user)
    return membership is not None and membership.team_id == team_id


def team_create(*, name: str, admin: AbstractBaseUser) -> Team:
    team = Team.objects.create(name=name)
    Membership.objects.create(user=admin, team=team, role=Membership.Role.ADMIN)
    return team


def team_id_of(user: AbstractBaseUser) -> int | None:
    membership = membership_of(user) if user.is_authenticated else None
    return membership.team_id if membership else None
