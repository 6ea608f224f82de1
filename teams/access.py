"""Who is signed in and on which team, and who administers it: the one access rule.

Every feature's views start here: `login_required` for a page, `admin_membership` or
`is_team_admin` for what only a team's admins may do. The rule for things a user owns
(their owner, or an admin of the owner's team) is `may_see`; generations.access applies
it to generations, images and uploads.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required as django_login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from studio.http import HtmxHttpRequest
from teams.models import Membership, Team

# Where a user's memberships are kept once read: a request's user is a fresh object,
# so this is a per-request cache (actions that change memberships clear it).
_CACHE = "_team_memberships"


def memberships_of(user: AbstractBaseUser | AnonymousUser) -> list[Membership]:
    """All the user's memberships with their teams, oldest first: one query a request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user_id=user.pk)
            .select_related("team")
            .order_by("joined_at", "pk")
        )
        setattr(user, _CACHE, cached)
    return cached


def forget_memberships(user: AbstractBaseUser | AnonymousUser) -> None:
    """Drop the cached memberships, after a switch, a join or a leave."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def membership_of(user: AbstractBaseUser | AnonymousUser) -> Membership | None:
    """The user's CURRENT membership; the earliest when none is marked (after leaving
    the current team). None for someone on no team."""
    rows = memberships_of(user)
    return next((m for m in rows if m.current), rows[0] if rows else None)


def team_of(user: AbstractBaseUser) -> Team | None:
    membership = membership_of(user)
    return membership.team if membership else None


def admin_membership(user: AbstractBaseUser) -> Membership | None:
    """The user's membership if they are an admin of their team, else None."""
    membership = membership_of(user) if user.is_authenticated else None
    return membership if membership is not None and membership.is_admin else None


def is_team_admin(user: AbstractBaseUser | AnonymousUser, team_id: int | None) -> bool:
    """Whether the user administers `team_id`: any of their teams, not only the current."""
    return team_id is not None and any(
        m.team_id == team_id and m.is_admin for m in memberships_of(user)
    )


def may_see(user: AbstractBaseUser | AnonymousUser, *, owner_id: int, team_id: int | None) -> bool:
    """The one access rule for what a user owns: its owner, or an admin of its team."""
    if not user.is_authenticated:
        return False
    if owner_id == user.pk:
        return True
    return team_id is not None and is_team_admin(user, team_id)


def team_id_of(user: AbstractBaseUser) -> int | None:
    membership = membership_of(user) if user.is_authenticated else None
    return membership.team_id if membership else None


def login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's login_required, except that an htmx request with an expired session
    sends the whole page to the login form instead of swapping it into a fragment."""
    plain = django_login_required(view)

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.htmx and not request.user.is_authenticated:
            current = request.htmx.current_url_abs_path or reverse("studio")
            return HttpResponseClientRedirect(redirect_to_login(current).url)
        return plain(request, *args, **kwargs)

    return wrapper
