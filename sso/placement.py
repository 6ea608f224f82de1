"""Which team and role a company account gets, from its claims and the settings.

- Team: the first OIDC_TEAM_BY_GROUP entry (in the order written) whose group is in
  the OIDC_GROUPS_CLAIM claim; else the OIDC_TEAM_BY_DOMAIN entry of the e-mail's
  domain; else none. A named team that does not exist yet is created.
- Role: the OIDC_ROLE_CLAIM claim when it reads "admin" or "member"; else member for
  someone placed in a team for the first time, and unchanged for someone already in it.
- Someone on no team is placed at every sign-in until a team fits. Someone already on a
  team is never moved or added elsewhere by a sign-in: a team admin's removal stands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from teams import actions
from teams.access import forget_memberships, memberships_of
from teams.models import Membership, Team

logger = logging.getLogger(__name__)

ROLES = {Membership.Role.ADMIN.value, Membership.Role.MEMBER.value}


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def domain_allowed(domain: str) -> bool:
    allowed = settings.OIDC_ALLOWED_DOMAINS
    return not allowed or domain in allowed


def _groups(claims: dict) -> list[str]:
    """The groups claim as a list: providers send a list, a string, or nothing."""
    name = settings.OIDC_GROUPS_CLAIM
    value = claims.get(name) if name else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [g for g in value if isinstance(g, str)]
    return []


def team_name_for(claims: dict) -> str | None:
    groups = set(_groups(claims))
    for group, team in settings.OIDC_TEAM_BY_GROUP.items():
        if group in groups:
            return team
    return settings.OIDC_TEAM_BY_DOMAIN.get(email_domain(claims.get("email", "")))


def role_for(claims: dict) -> str | None:
    """The role claim as "admin" or "member", or None when it says neither. A list
    (several roles) counts as admin when it holds "admin"."""
    name = settings.OIDC_ROLE_CLAIM
    value = claims.get(name) if name else None
    values = value if isinstance(value, list) else [value]
    found = [v.strip().lower() for v in values if isinstance(v, str)]
    for role in (Membership.Role.ADMIN, Membership.Role.MEMBER):
        if role.value in found:
            return role.value
    if value is not None:
        logger.warning("SSO: ignoring role claim %s=%r", name, value)
    return None


@dataclass(frozen=True)
class Placement:
    team_id: int | None
    team_name: str
    role: str
    before_role: str | None  # the role before this sign-in, when it changed


def membership_place(*, user: User, claims: dict) -> Placement:
    """Put the user in their team (or update their role there) as the claims say."""
    name = team_name_for(claims)
    role = role_for(claims)
    mine = memberships_of(user)
    if not mine:
        if name is None:
            return Placement(team_id=None, team_name="", role="", before_role=None)
        return _join(user=user, name=name, role=role or Membership.Role.MEMBER)
    here = next((m for m in mine if m.team.name == name), None)
    if here is not None and role is not None and role != here.role:
        return _set_role(membership=here, role=role)
    current = next((m for m in mine if m.current), mine[0])
    kept = here or current
    return Placement(
        team_id=kept.team_id, team_name=kept.team.name, role=kept.role, before_role=None
    )


def _join(*, user: User, name: str, role: str) -> Placement:
    # The oldest team of that name, so that two teams sharing a name never split people.
    team = Team.objects.filter(name=name).order_by("pk").first()
    if team is None:
        # teams.actions.team_create makes its creator admin; the claims decide that here.
        team = Team.objects.create(name=name)
    membership = actions.member_add(team=team, username=user.get_username(), role=role)
    forget_memberships(user)
    return Placement(team_id=team.pk, team_name=team.name, role=membership.role, before_role=None)


def _set_role(*, membership: Membership, role: str) -> Placement:
    team = membership.team
    try:
        actions.member_set_role(team=team, user_id=membership.user_id, role=role)
    except ValidationError as refused:
        # The team's only admin keeps the role until another admin exists.
        logger.warning("SSO: role of %s kept: %s", membership.user, refused.messages[0])
        return Placement(
            team_id=team.pk, team_name=team.name, role=membership.role, before_role=None
        )
    finally:
        forget_memberships(membership.user)
    return Placement(team_id=team.pk, team_name=team.name, role=role, before_role=membership.role)
