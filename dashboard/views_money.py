"""What a team admin decides about money: approvals, the approval threshold, alerts
seen, and prices for models the catalog does not price. Admins only, through
views.admin_team; every action is a POST with its CSRF token."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.log import record
from dashboard.forms import ApprovalSettingsForm, PriceForm, RejectForm
from dashboard.views import admin_team
from generations import approvals, catalog
from generations.models import Generation
from spend import alerts, prices
from spend.money import usd
from teams.access import login_required


def _team_generation(team, generation_id: int) -> None:
    """404 unless the generation is the team's: another team's ids stay unknown."""
    if not Generation.objects.filter(pk=generation_id, team=team).exists():
        raise Http404("No such generation.")


def _back_to_approvals() -> HttpResponse:
    return redirect(f"{reverse('team-dashboard')}#approvals")


@require_POST
@login_required
def approval_approve(request: HttpRequest, generation_id: int) -> HttpResponse:
    team = admin_team(request)
    _team_generation(team, generation_id)
    try:
        generation = approvals.approve(team=team, generation_id=generation_id, admin=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Approved: {generation.owner}'s generation is on its way.")
    return _back_to_approvals()


@require_POST
@login_required
def approval_reject(request: HttpRequest, generation_id: int) -> HttpResponse:
    team = admin_team(request)
    _team_generation(team, generation_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Keep the reason under 500 characters.")
        return _back_to_approvals()
    try:
        generation = approvals.reject(
            team=team,
            generation_id=generation_id,
            admin=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Not approved: {generation.owner} has been told, and the "
            f"{usd(generation.estimated_cost)} held for it is free again.",
        )
    return _back_to_approvals()


@require_POST
@login_required
def approval_settings(request: HttpRequest) -> HttpResponse:
    team = admin_team(request)
    form = ApprovalSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return _back_to_approvals()
    before = {"approval_above": team.approval_above}
    team.approval_above = form.cleaned_data["approval_above"]
    with transaction.atomic():
        team.save(update_fields=["approval_above"])
        after = {"approval_above": team.approval_above}
        if before != after:
            record(
                action="approval.threshold_changed",
                actor=request.user,
                team_id=team.pk,
                target=team,
                before=before,
                after=after,
            )
    if team.approval_above is None:
        messages.success(request, "Approvals are off: members' generations start at once.")
    else:
        messages.success(
            request,
            f"Members' generations estimated above {usd(team.approval_above)} now wait for "
            "an admin's approval.",
        )
    return _back_to_approvals()


@require_POST
@login_required
def alert_dismiss(request: HttpRequest, alert_id: int) -> HttpResponse:
    team = admin_team(request)
    if not alerts.dismiss(team=team, alert_id=alert_id):
        raise Http404("No such alert.")
    return redirect(request.POST.get("back") == "budgets" and "team-budgets" or "team-dashboard")


@require_POST
@login_required
def price_set(request: HttpRequest) -> HttpResponse:
    team = admin_team(request)
    form = PriceForm(request.POST, models=catalog.unpriced_models(team.pk))
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(f"{reverse('team-budgets')}#prices")
    data = form.cleaned_data
    prices.price_set(
        team_id=team.pk, model_id=data["model_id"], usd=data["usd_per_image"], user=request.user
    )
    messages.success(
        request,
        f"{data['model_id']} now costs {usd(data['usd_per_image'])} an image for your team "
        "and can be used.",
    )
    return redirect(f"{reverse('team-budgets')}#prices")
