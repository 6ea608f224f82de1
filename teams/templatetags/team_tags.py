"""The header's team name and switcher: the viewer's memberships, read once a request
(teams.access caches them on the user)."""

from __future__ import annotations

from django import template

from teams.access import membership_of, memberships_of
from teams.models import Membership

register = template.Library()


def _user(context: template.Context):
    request = context.get("request")
    return request.user if request is not None else None


@register.simple_tag(takes_context=True)
def current_membership(context: template.Context) -> Membership | None:
    """The viewer's current membership (its team is the one they work for now)."""
    user = _user(context)
    return membership_of(user) if user is not None else None


@register.simple_tag(takes_context=True)
def all_memberships(context: template.Context) -> list[Membership]:
    """Every team the viewer is on, for the switcher."""
    user = _user(context)
    return memberships_of(user) if user is not None else []


@register.simple_tag(takes_context=True)
def on_several_teams(context: template.Context) -> bool:
    """Whether the viewer is on two teams or more (then pages name each row's team)."""
    return len(all_memberships(context)) > 1
