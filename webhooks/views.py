"""The webhook pages, for team admins only (dashboard.views.admin_team: anybody else
gets a 404, anonymous visitors the sign-in page). Endpoints and deliveries are looked
up within the admin's team, so another team's ids stay unknown. Every change is a
POST with its CSRF token; a rejected form comes back with a 422 and what was typed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.views import admin_team
from studio.http import HtmxHttpRequest
from teams.access import login_required
from teams.models import Team
from webhooks import delivery, events, services
from webhooks.forms import DeliveryFilterForm, EndpointEditForm, EndpointForm
from webhooks.models import Delivery, Endpoint

PAGE = 50
DELIVERIES = "webhooks/deliveries.html"


def team_endpoint(team: Team, pk: int) -> Endpoint:
    endpoint = Endpoint.objects.filter(team=team, pk=pk).select_related("team").first()
    if endpoint is None:
        raise Http404("No such endpoint.")
    return endpoint


def team_delivery(team: Team, pk: int) -> Delivery:
    row = (
        Delivery.objects.filter(endpoint__team=team, pk=pk)
        .select_related("endpoint", "resent_from", "resent_by")
        .prefetch_related("tries")
        .first()
    )
    if row is None:
        raise Http404("No such delivery.")
    return row


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- endpoints --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    team = admin_team(request)
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = services.endpoint_create(
                team=team,
                user=cast(User, request.user),  # signed in: login_required
                url=data["url"],
                description=data["description"],
                events=data["events"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(
                request,
                "Endpoint added. Copy its signing secret into your receiver, then send a "
                "test event.",
            )
            return redirect("team-webhook", pk=endpoint.pk)
    context = {
        "team": team,
        "form": form,
        "endpoints": Endpoint.objects.filter(team=team),
        "retry_schedule": delivery.schedule_text(),
        "disable_after": delivery.DISABLE_AFTER,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "webhooks/endpoints.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request)
    endpoint = team_endpoint(team, pk)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "enabled": endpoint.enabled,
    }
    form = EndpointEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.endpoint_update(
            endpoint=endpoint,
            url=data["url"],
            description=data["description"],
            events=data["events"],
            enabled=data["enabled"],
        )
        messages.success(request, "Endpoint saved.")
        return redirect("team-webhook", pk=endpoint.pk)
    context = {
        "team": team,
        "endpoint": endpoint,
        "form": form,
        "previous_valid": bool(
            endpoint.previous_secret
            and endpoint.previous_secret_expires_at
            and endpoint.previous_secret_expires_at > timezone.now()
        ),
        "deliveries": _with_tries(Delivery.objects.filter(endpoint=endpoint))[:10],
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "webhooks/endpoint.html", context, status=status)


@require_POST
@login_required
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request)
    endpoint = team_endpoint(team, pk)
    url = endpoint.url
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Endpoint {url} deleted, with its delivery log.")
    return redirect("team-webhooks")


@require_POST
@login_required
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request)
    endpoint = services.secret_rotate(endpoint=team_endpoint(team, pk))
    expires = timezone.localtime(endpoint.previous_secret_expires_at)
    messages.success(
        request,
        "New signing secret made. Messages are signed with both the new and the old one "
        f"until {expires:%-d %b, %H:%M}: update your receiver before then.",
    )
    return redirect(f"{reverse('team-webhook', args=[endpoint.pk])}#secret")


@require_POST
@login_required
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request)
    endpoint = team_endpoint(team, pk)
    row = events.endpoint_test_send(endpoint=endpoint)
    messages.success(request, "Test event queued: its result appears here in a moment.")
    return redirect("team-webhook-delivery", pk=row.pk)


# --- the delivery log ---------------------------------------------------------------------


def _busy(row: Delivery, soon: datetime) -> bool:
    """Worth polling: a try under way, or due before `soon`."""
    if row.status == Delivery.Status.SENDING:
        return True
    due = row.next_attempt_at
    return row.status == Delivery.Status.PENDING and due is not None and due < soon


def _with_tries(rows):
    return rows.select_related("endpoint").prefetch_related("tries").order_by("-id")


@require_GET
@login_required
def delivery_list(request: HtmxHttpRequest) -> HttpResponse:
    team = admin_team(request)
    form = DeliveryFilterForm(request.GET or None, team=team)
    rows = _with_tries(Delivery.objects.filter(endpoint__team=team))
    query: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["endpoint"]:
            rows = rows.filter(endpoint=data["endpoint"])
            query["endpoint"] = str(data["endpoint"].pk)
        for name in ("status", "event"):
            if data[name]:
                rows = rows.filter(**{name: data[name]})
                query[name] = data[name]
        if data["before"]:
            rows = rows.filter(pk__lt=data["before"])
    page = list(rows[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    soon = timezone.now() + timedelta(seconds=30)
    context = {
        "team": team,
        "form": form,
        "bad_filter": form.is_bound and not form.is_valid(),
        "deliveries": page,
        "next_query": urlencode({**query, "before": page[-1].pk}) if more else "",
        # Poll while a try is running or due any second; a quiet page does not.
        "busy": any(_busy(d, soon) for d in page),
    }
    template = f"{DELIVERIES}#log" if request.htmx else DELIVERIES
    return render(request, template, context)


@require_GET
@login_required
def delivery_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request)
    row = team_delivery(team, pk)
    try:
        pretty = json.dumps(json.loads(row.body), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = row.body
    context = {
        "team": team,
        "delivery": row,
        "payload": pretty,
        "tries": list(row.tries.all()),
        "busy": _busy(row, timezone.now() + timedelta(seconds=30)),
    }
    template = "webhooks/delivery.html#result" if request.htmx else "webhooks/delivery.html"
    return render(request, template, context)


@require_POST
@login_required
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request)
    original = team_delivery(team, pk)
    try:
        row = services.delivery_resend(original=original, user=cast(User, request.user))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("team-webhook-delivery", pk=original.pk)
    messages.success(request, "Sent again, with the same webhook-id: see its result below.")
    return redirect("team-webhook-delivery", pk=row.pk)
