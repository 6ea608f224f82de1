"""Sign-in limits, by django-axes (configured in settings.py), plus a slowdown.

- A wrong password counts against the pair (username, address): after
  LOGIN_FAILURE_LIMIT failures that pair waits LOGIN_LOCKOUT_SECONDS. Someone guessing
  from another address never locks the real user out; a successful sign-in clears the
  pair's count. Failures live in the database, so sign-in works while Redis is down.
- The username is normalised as Django's authentication normalises it (NFKC), so a
  full-width variant counts against the same account.
- Behind a proxy the address comes from X-Forwarded-For, with TRUSTED_PROXY_COUNT
  proxies in front (the compose nginx is one).
- Guessing spread over many addresses (at one account) or many accounts (from one
  address) is slowed, never stopped: such a sign-in waits a moment first. An address
  the account has signed in from before is never slowed.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

SLOW_AFTER = 3  # times the per-pair limit, summed over the other side of the pair


class SignInBackend(AxesStandaloneBackend):
    """django-axes's lock check, for sign-ins that come with a request (the pages).
    `authenticate()` without one (a management command, a shell) has no address to
    count against, so it is left to Django's ModelBackend."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def client_address(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: the client's address. With TRUSTED_PROXY_COUNT = N
    proxies in front, each appends the address it received from to X-Forwarded-For, so
    the client is the N-th entry from the right; anything left of it was written by the
    client and is not trusted. With no proxy the header is ignored."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    return hops[-count] if len(hops) >= count else remote


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the username as authentication will see it."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "")
    return get_user_model().normalize_username(str(raw)).strip()


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, with the reason, as a 429."""
    form = AuthenticationForm(request, data=request.POST or None)
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    form.errors.clear()
    form.add_error(
        None,
        f"Too many failed sign-ins for this account from here. Wait {minutes} minutes and "
        "try again, or ask your team admin to reset your password.",
    )
    return render(request, "registration/login.html", {"form": form}, status=429)


def _recent() -> datetime:
    return timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def slowdown_seconds(request: HttpRequest, username: str) -> float:
    """How long this sign-in waits before its password is checked."""
    delay = settings.LOGIN_SLOWDOWN_SECONDS
    if delay <= 0:
        return 0.0
    address = client_address(request)
    if AccessLog.objects.filter(username=username, ip_address=address).exists():
        return 0.0  # the account has signed in from here before
    recent = AccessAttempt.objects.filter(attempt_time__gte=_recent())
    threshold = settings.LOGIN_FAILURE_LIMIT * SLOW_AFTER
    on_account = recent.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"]
    from_address = recent.filter(ip_address=address).aggregate(n=Sum("failures_since_start"))["n"]
    return delay if max(on_account or 0, from_address or 0) >= threshold else 0.0


class SignInView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = slowdown_seconds(request, axes_username(request))
        if wait:
            time.sleep(wait)
        return super().post(request, *args, **kwargs)
