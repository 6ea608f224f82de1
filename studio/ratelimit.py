"""Login rate limiting: a few wrong passwords per account and per address, then a pause.

Counts live in the cache (Redis when REDIS_URL is set, so every web process shares
them). Both keys count: a guesser spreading tries over many accounts is slowed by
the address key, one guessing at one account from many addresses by the account key.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def _keys(request: HttpRequest, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "")
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:addr:{address}", f"login-fail:user:{account}"]


def is_locked(request: HttpRequest, username: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(key) or 0) >= limit for key in _keys(request, username))


def record_failure(request: HttpRequest, username: str) -> None:
    for key in _keys(request, username):
        if cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


class RateLimitedLoginView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        if is_locked(request, username):
            form = self.get_form()
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            form.add_error(
                None,
                f"Too many failed sign-ins. Wait {minutes} minutes and try again, "
                "or ask your team admin to reset your password.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if self.request.method == "POST" and form.errors and not getattr(form, "_counted", False):
            form._counted = True
            if not is_locked(self.request, self.request.POST.get("username", "")):
                record_failure(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)
