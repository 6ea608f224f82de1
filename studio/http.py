"""Small HTTP helpers every feature's views share."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that passed django-htmx's middleware (every request here does)."""

    htmx: HtmxDetails


def safe_next(request: HttpRequest, target: str, fallback: str) -> str:
    """`target` when it stays on this site (a `next` from a form or link), else
    `fallback` (a URL or a URL name): no open redirects."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback)


def htmx_status(request: HtmxHttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers; a plain browser gets the honest code."""
    return 200 if request.htmx else status


def whole_number(raw: object, *, digits: int = 18) -> int | None:
    """`raw` as a non-negative int when it is 1 to `digits` ASCII digits, else None.

    str.isdigit() alone is not enough: it accepts "²" and other Unicode digits that
    int() refuses, and any length (a 40-digit id overflows a database integer)."""
    text = raw if isinstance(raw, str) else str(raw) if isinstance(raw, int) else ""
    if not (0 < len(text) <= digits and text.isascii() and text.isdigit()):
        return None
    return int(text)
