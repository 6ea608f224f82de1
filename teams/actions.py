"""What a team admin does with people (add members, change roles, invite links), and
what a user does with their own teams (create, switch, join, leave).

Keyword-only services named for the action (style.md habit 3). A broken rule raises
ValidationError with a sentence the page shows as it is.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from audit.log import record, request_actor
from teams.access import forget_memberships
from teams.models import Membership, Team, TeamInvite

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
                    "them, give a password too; someone who already has an account joins "
                    "through an invite link."
                )
            if user is not None:
                raise ValidationError(
                    f"The username {username} cannot be used for a new account; choose another."
                )
            validate_password(password, user=User(username=username))
            user = User.objects.create_user(username=username, password=password)
        elif Membership.objects.filter(user=user, team=team).exists():
            raise ValidationError(f"{username} is already on this team.")
        # Only a user on no team gets here (or a new one): this is their current team.
        membership = Membership.objects.create(user=user, team=team, role=role, current=True)
        record(
            action="member.added",
            actor=request_actor(),
            target=user,
            team_id=team.pk,
            after={"role": role},
        )
        return membership


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
        before, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        if before != role:
            record(
                action="member.role_changed",
                actor=request_actor(),
                target=membership.user,
                team_id=team.pk,
                before={"role": before},
                after={"role": role},
            )
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
        record(
            action="member.removed",
            actor=request_actor(),
            target=membership.user,
            team_id=team.pk,
            before={"role": membership.role},
        )
        if membership.current:
            _make_current(_next_membership(user_id))


# --- a user's own teams: create, switch, join, leave -----------------------------------


def team_create(*, name: str, admin: User) -> Team:
    """A new team with `admin` as its admin; it becomes their current team."""
    with transaction.atomic():
        team = Team.objects.create(name=name)
        membership = Membership(user=admin, team=team, role=ADMIN)
        _make_current(membership)
    forget_memberships(admin)
    return team


def team_switch(*, user: User, team_id: int) -> Membership:
    """Make `team_id` the user's current team. Membership.DoesNotExist when they are
    not on it (the view answers 404: nothing is learnt about other teams)."""
    with transaction.atomic():
        target: Membership = _lock_memberships(user.pk).get(team_id=team_id)
        _make_current(target)
    forget_memberships(user)
    return target


def team_leave(*, user: User, team_id: int) -> None:
    """Leave a team. The last admin stays (the team would have nobody to run it), and so
    does anyone on no other team; the next team becomes current if this one was."""
    with transaction.atomic():
        mine = list(_lock_memberships(user.pk))
        membership = next((m for m in mine if m.team_id == team_id), None)
        if membership is None:
            raise Membership.DoesNotExist
        locked = _membership_for_change(membership.team, user.pk)
        if _is_last_admin(locked):
            raise ValidationError(
                f"You are the only admin of {membership.team}: make someone else admin "
                "before you leave."
            )
        if len(mine) == 1:
            raise ValidationError(
                f"{membership.team} is your only team: join or create another before you leave it."
            )
        locked.delete()
        record(
            action="member.left",
            actor=user,
            target=user,
            team_id=team_id,
            before={"role": locked.role},
        )
        if locked.current:
            _make_current(_next_membership(user.pk))
    forget_memberships(user)


def _lock_memberships(user_id: int) -> QuerySet[Membership]:
    """The user's memberships, locked: two switches at once must not both mark a row."""
    rows = Membership.objects.select_for_update().filter(user_id=user_id).select_related("team")
    return rows.order_by("joined_at", "pk")


def _next_membership(user_id: int) -> Membership | None:
    return Membership.objects.filter(user_id=user_id).order_by("joined_at", "pk").first()


def _make_current(membership: Membership | None) -> None:
    """Mark `membership` (saved or not) current and unmark the user's others, in the
    order the one-current constraint allows."""
    if membership is None:
        return
    others = Membership.objects.filter(user_id=membership.user_id, current=True)
    if membership.pk is not None:
        others = others.exclude(pk=membership.pk)
    others.update(current=False)
    membership.current = True
    membership.save()


# --- invite links ----------------------------------------------------------------------

INVITE_DAYS = 7


def invite_create(
    *, team: Team, created_by: User, role: str, max_uses: int | None = None
) -> TeamInvite:
    """A link to join `team` as `role`, valid for a week, for at most `max_uses` people."""
    with transaction.atomic():
        invite = TeamInvite.objects.create(
            token=secrets.token_urlsafe(32),
            team=team,
            role=role,
            created_by=created_by,
            expires_at=timezone.now() + timedelta(days=INVITE_DAYS),
            max_uses=max_uses,
        )
        record(
            action="invite.created",
            actor=created_by,
            target=invite,
            team_id=team.pk,
            after={"role": role, "max_uses": max_uses, "expires_at": invite.expires_at},
        )
    return invite


@transaction.atomic
def invite_revoke(*, invite: TeamInvite) -> None:
    if TeamInvite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        record(action="invite.revoked", actor=request_actor(), target=invite)


def invite_accept(*, invite: TeamInvite, user: User) -> Membership:
    """Join the invite's team (once: a member just switches to it) and make it current.
    A use is counted by a conditional update, so the last use cannot be taken twice."""
    with transaction.atomic():
        list(_lock_memberships(user.pk))
        membership = Membership.objects.filter(user_id=user.pk, team_id=invite.team_id).first()
        if membership is None:
            usable = TeamInvite.objects.filter(
                Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")),
                pk=invite.pk,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            if usable.update(uses=F("uses") + 1) != 1:
                invite.refresh_from_db()
                raise ValidationError(invite.problem or "This invite link no longer works.")
            membership = Membership(user=user, team_id=invite.team_id, role=invite.role)
            record(
                action="member.added",
                actor=user,
                target=user,
                team_id=invite.team_id,
                after={"role": invite.role, "invite_id": invite.pk},
            )
        _make_current(membership)
    forget_memberships(user)
    return membership
