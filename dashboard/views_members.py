"""Who is on the team and what they may spend: the members and budgets pages (and the
retention rule, set on the budgets page). Admins only, through views.admin_team, like
every team page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from audit.log import record
from dashboard import figures
from dashboard.forms import BudgetForm, MemberAddForm, PriceForm, RetentionForm, RoleForm
from dashboard.views import admin_team
from generations import catalog
from spend import budgets
from spend.models import ModelPrice
from studio.http import whole_number
from teams import actions
from teams.access import login_required
from teams.forms import InviteForm
from teams.models import Membership, Team
from teams.queries import open_invites

# --- members -------------------------------------------------------------------------


def _members_page(request: HttpRequest, team: Team, add_form: MemberAddForm, status: int = 200):
    memberships = list(
        Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    )
    admins = sum(1 for m in memberships if m.is_admin)
    invites = list(open_invites(team))
    for invite in invites:
        invite.link = request.build_absolute_uri(reverse("team-join", args=[invite.token]))
    context = {
        "team": team,
        "memberships": memberships,
        "admin_count": admins,
        "add_form": add_form,
        "roles": Membership.Role.choices,
        "invites": invites,
        "invite_form": InviteForm(),
    }
    return render(request, "dashboard/members.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def team_members(request: HttpRequest) -> HttpResponse:
    team = admin_team(request)
    if request.method == "GET":
        return _members_page(request, team, MemberAddForm())
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership = actions.member_add(team=team, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{membership.user} joined the team as {membership.role}.")
            return redirect("team-members")
    return _members_page(request, team, form, status=422)


@require_POST
@login_required
def member_role(request: HttpRequest, user_id: int) -> HttpResponse:
    team = admin_team(request)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick admin or member.")
        return redirect("team-members")
    try:
        membership = actions.member_set_role(
            team=team, user_id=user_id, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
        if membership.user_id == request.user.pk and not membership.is_admin:
            return redirect("studio")  # no longer an admin: the team pages are closed now
    return redirect("team-members")


@require_POST
@login_required
def member_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    team = admin_team(request)
    try:
        actions.member_remove(team=team, user_id=user_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("team-members")
    messages.success(request, "Removed from the team. Their generations stay in its history.")
    if user_id == request.user.pk:
        return redirect("studio")
    return redirect("team-members")


# --- budgets -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def team_budgets(request: HttpRequest) -> HttpResponse:
    team = admin_team(request)
    people = _team_people(team)
    if request.method == "GET":
        form = BudgetForm(members=people, initial=_initial_budget(request, people))
        return _budgets_page(request, team, people, form)
    form = BudgetForm(request.POST, members=people)
    if form.is_valid():
        data = form.cleaned_data
        try:
            budgets.budget_set(
                team=team,
                user_id=data["member"],
                amount=data["amount"],
                period=data["period"],
                alert_thresholds=data["alert_thresholds"],
            )
        except ValidationError as exc:
            form.add_error("member", exc)
        else:
            whose = "The team's" if data["member"] is None else "The member's"
            messages.success(
                request,
                f"{whose} budget is saved. It applies now, and counts what was already "
                "spent in this period.",
            )
            return redirect("team-budgets")
    return _budgets_page(request, team, people, form, status=422)


def _initial_budget(request: HttpRequest, people: list) -> dict:
    """?member=<id> preselects a member (the dashboard's "set budget" links)."""
    member = request.GET.get("member", "")
    if whole_number(member) is not None and any(str(u.pk) == member for u in people):
        return {"member": member}
    return {}


def _team_people(team: Team) -> list:
    people = [m.user for m in Membership.objects.filter(team=team).select_related("user")]
    people.sort(key=lambda u: u.get_username())
    return people


@require_POST
@login_required
def team_retention(request: HttpRequest) -> HttpResponse:
    """The retention rule, set on the budgets page; a rejected value is shown there
    with its error, as typed."""
    team = admin_team(request)
    form = RetentionForm(request.POST)
    if not form.is_valid():
        people = _team_people(team)
        budget_form = BudgetForm(members=people, initial=_initial_budget(request, people))
        return _budgets_page(request, team, people, budget_form, retention_form=form, status=422)
    before = {"keep_originals_days": team.keep_originals_days}
    team.keep_originals_days = form.cleaned_data["keep_originals_days"]
    with transaction.atomic():
        team.save(update_fields=["keep_originals_days"])
        after = {"keep_originals_days": team.keep_originals_days}
        if before != after:
            record(
                action="retention.changed",
                actor=request.user,
                team_id=team.pk,
                target=team,
                before=before,
                after=after,
            )
    days = team.keep_originals_days
    if days is None:
        messages.success(request, "Originals are now kept forever.")
    else:
        messages.success(
            request,
            f"Originals of generations older than {days} day{pluralize(days)} will be "
            "archived once a day: removed from storage, their thumbnails, settings and "
            "lineage kept.",
        )
    return redirect(f"{reverse('team-budgets')}#retention")


def _budgets_page(
    request: HttpRequest,
    team: Team,
    people: list,
    form: BudgetForm,
    *,
    retention_form: RetentionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    budget_list = figures.team_budgets(team)
    uses = figures.budget_uses(
        budget_list, figures.period_for(figures.period_kind(budget_list), None)
    )
    names = {user.pk: user for user in people}
    current = [
        {"use": use, "who": names.get(user_id) if user_id else None, "user_id": user_id}
        for user_id, use in sorted(uses.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))
    ]
    unpriced = catalog.unpriced_models(team.pk)
    context = {
        "team": team,
        "form": form,
        "current": current,
        "past": figures.past_budget_periods(team),
        "unpriced": unpriced,
        "price_form": PriceForm(models=unpriced),
        "team_prices": ModelPrice.objects.filter(team=team).select_related("set_by"),
        "retention_form": retention_form
        or RetentionForm(initial={"keep_originals_days": team.keep_originals_days}),
    }
    return render(request, "dashboard/budgets.html", context, status=status)
