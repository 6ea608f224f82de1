"""The team admin pages: the dashboard, the generations behind its bars, the CSV
export and the gateway panel (members and budgets: views_members.py). Every view
starts with `admin_team`: a team admin gets their team, anybody else a 404
(anonymous visitors the login page, through login_required).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from itertools import chain

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from dashboard import charts, figures, listing, storage
from dashboard.forms import ApprovalSettingsForm, GenerationFilterForm, PeriodForm
from dashboard.gateway_check import gateway_check_request, gateway_status
from generations import approvals
from llmtr import spec as llmtr_spec
from matrix.queries import waiting_runs
from spend import alerts
from spend.models import ReconciliationRun
from studio.spreadsheet import Echo, safe_cell
from teams.access import admin_membership, login_required
from teams.models import Team

DASHBOARD = "dashboard/dashboard.html"
CSV_HEADER = [
    "id",
    "created_at",
    "member",
    "model",
    "kind",
    "status",
    "images",
    "cost",
    "estimated_cost",
    "error_type",
]


def admin_team(request: HttpRequest) -> Team:
    """The team the viewer administers, else 404 (every team page starts here)."""
    membership = admin_membership(request.user)
    if membership is None:
        raise Http404("No such page.")
    return membership.team


def _generations_url(query: dict) -> str:
    return f"{reverse('team-generations')}?{urlencode(query)}"


def _model_name(model_id: str) -> str:
    spec = llmtr_spec.get(model_id)
    return spec.name if spec else model_id


# --- the dashboard -------------------------------------------------------------------


@require_GET
@login_required
def team_dashboard(request: HttpRequest) -> HttpResponse:
    team = admin_team(request)
    form = PeriodForm(request.GET)
    start = form.cleaned_data["start"] if form.is_valid() else None
    budget_list = figures.team_budgets(team)
    kind = figures.period_kind(budget_list)
    period = figures.period_for(kind, start)
    rows = figures.team_generations(team, period.starts_at, period.ends_at)
    entries = figures.team_ledger(team, period.starts_at, period.ends_at)

    spend = figures.spend(team, period, rows)
    by_member = spend.by_member
    uses = figures.budget_uses(budget_list, period)
    people = figures.members(team, {r["owner_id"] for r in by_member})
    context = {
        "team": team,
        "period": period,
        "periods": figures.recent_periods(kind),
        "bad_period": not form.is_valid(),
        "team_budget": uses.get(None),
        "totals": _totals(by_member),
        "member_rows": _member_rows(team, people, by_member, uses),
        "charts": _charts(spend, period, people),
        "failure_types": figures.failures_by_type(rows),
        "failures": figures.recent_failures(rows),
        "gateway": gateway_status(team),
        "range_query": urlencode(period.range_query),
        "unconfirmed": figures.unconfirmed_charges(entries),
        "approvals": list(approvals.pending(team)[:50]),
        "waiting_runs": list(waiting_runs(team)[:20]),
        "alerts": [(a, alerts.describe(a)) for a in alerts.open_alerts(team)[:10]],
        "reconciliation": ReconciliationRun.objects.first(),
        "approval_form": ApprovalSettingsForm(initial={"approval_above": team.approval_above}),
    }
    template = f"{DASHBOARD}#dashboard" if request.htmx else DASHBOARD
    return render(request, template, context)


def _totals(by_member: list[dict]) -> dict:
    # One row per member, already summed by the database: adding up twenty numbers.
    return {
        "spent": sum((r["spent"] or Decimal(0) for r in by_member), Decimal(0)),
        "count": sum(r["count"] for r in by_member),
        "failed": sum(r["failed"] for r in by_member),
    }


def _member_rows(team: Team, people: list, by_member: list[dict], uses: dict) -> list[dict]:
    spend = {r["owner_id"]: r for r in by_member}
    rows = []
    for user in people:
        totals = spend.get(user.pk, {})
        rows.append(
            {
                "user": user,
                "role": figures.role_of(user, team),
                "spent": totals.get("spent") or Decimal(0),
                "count": totals.get("count", 0),
                "failed": totals.get("failed", 0),
                "budget": uses.get(user.pk),
            }
        )
    rows.sort(key=lambda r: (-r["spent"], r["user"].get_username()))
    return rows


def _charts(spend: figures.Spend, period: figures.Period, people: list) -> dict:
    span = period.range_query
    names = {user.pk: user.get_username() for user in people}
    return {
        "day": charts.day_chart(
            spend.by_day,
            period.first_day,
            period.last_day,
            href=lambda day: _generations_url({**span, "day": day.isoformat()}),
        ),
        "model": charts.row_chart(
            spend.by_model,
            label=lambda r: _model_name(r["model_id"]),
            href=lambda r: _generations_url({**span, "model": r["model_id"]}),
        ),
        "member": charts.row_chart(
            spend.by_member,
            label=lambda r: names.get(r["owner_id"], f"user {r['owner_id']}"),
            href=lambda r: _generations_url({**span, "member": r["owner_id"]}),
        ),
    }


@require_GET
@login_required
def storage_panel(request: HttpRequest) -> HttpResponse:
    """The storage panel: the dashboard loads it after the page, since it sums every
    image the team has (dashboard/storage.py); without JavaScript, a page of its own."""
    team = admin_team(request)
    context = {"team": team, "storage": _storage(team)}
    if request.htmx:
        return render(request, f"{DASHBOARD}#storage", context)
    return render(request, "dashboard/storage.html", context)


def _storage(team: Team) -> storage.TeamStorage:
    """The team's storage now, with a row for every member (nothing stored: zero)."""
    used = storage.team_storage(team)
    listed = {m.user_id for m in used.members}
    members = figures.members(team, set())
    used.members += [
        storage.MemberStorage(user.pk, user.get_username())
        for user in members
        if user.pk not in listed
    ]
    current = {user.pk for user in members}
    for member in used.members:
        member.left = member.user_id not in current
    return used


@require_GET
@login_required
def gateway_panel(request: HttpRequest) -> HttpResponse:
    """The gateway status panel alone: what a pending key check polls."""
    team = admin_team(request)
    context = {"gateway": gateway_status(team)}
    return render(request, f"{DASHBOARD}#gateway", context)


@require_POST
@login_required
def gateway_check(request: HttpRequest) -> HttpResponse:
    """Queue a key check; a worker runs it (web requests never wait on the gateway)."""
    team = admin_team(request)
    gateway_check_request()
    if request.htmx:
        return render(request, f"{DASHBOARD}#gateway", {"gateway": gateway_status(team)})
    messages.info(request, "Checking the gateway key: the result appears here in a moment.")
    return redirect(f"{reverse('team-dashboard')}#gateway-status")


# --- the generations behind a bar ----------------------------------------------------


def _filtered(team: Team, form: GenerationFilterForm) -> tuple:
    """The filtered rows and the inclusive days they span (the current period's
    days for whatever end the query leaves open)."""
    kind = figures.period_kind(figures.team_budgets(team))
    current = figures.period_for(kind, None)
    first, last = form.date_range()
    first = first or (last if last and last < current.first_day else current.first_day)
    last = last or max(first, current.last_day)
    facets = dict(form.cleaned_data)
    # `error_type=` (present, empty) is the link of failures without a type: match those.
    facets["error_type_blank"] = "error_type" in form.data and not facets["error_type"]
    rows = listing.filtered_generations(team, first=first, last=last, facets=facets)
    deleted = listing.deleted_spend(team, first=first, last=last, facets=facets)
    return rows, deleted, first, last


@require_GET
@login_required
def team_generations(request: HttpRequest) -> HttpResponse:
    team = admin_team(request)
    form = GenerationFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "team": team}
        return render(request, "dashboard/generations.html", context, status=400)
    rows, deleted, first, last = _filtered(team, form)
    page, next_before = listing.generations_page(rows, before=form.cleaned_data["before"])
    query = {k: v for k, v in request.GET.items() if k != "before"}
    member_id = form.cleaned_data["member"]
    context = {
        "team": team,
        "form": form,
        "generations": page,
        "next_before": next_before,
        "is_first_page": form.cleaned_data["before"] is None,
        "first": first,
        "last": last,
        "summary": listing.summary(rows, deleted),
        "facets": _facets(form, member_id, page),
        "query": urlencode(query),
        "export_query": urlencode({**query, "from": first.isoformat(), "to": last.isoformat()}),
    }
    return render(request, "dashboard/generations.html", context)


def _facets(form: GenerationFilterForm, member_id: int | None, page: list) -> list[str]:
    """The filters in words, for the heading."""
    data = form.cleaned_data
    words = []
    if data["model"]:
        words.append(_model_name(data["model"]))
    if member_id:
        owner = next((g.owner for g in page if g.owner_id == member_id), None)
        words.append(owner.get_username() if owner else f"member {member_id}")
    if data["status"]:
        words.append(dict(form.fields["status"].choices)[data["status"]].lower())
    if data["error_type"]:
        words.append(data["error_type"])
    return words


# --- CSV export ----------------------------------------------------------------------


def _csv_lines(rows):
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_HEADER)
    for pk, created_at, member, model, kind, status, images, cost, estimate, error in rows:
        yield writer.writerow(
            [
                "" if pk is None else pk,
                created_at.isoformat(),
                safe_cell(member),
                safe_cell(model),
                kind,
                status,
                images,
                "" if cost is None else f"{cost:f}",
                "" if estimate is None else f"{estimate:f}",
                safe_cell(error),
            ]
        )


@require_GET
@login_required
def team_export(request: HttpRequest) -> HttpResponse:
    """The team's generations in the range as CSV, streamed: a month of a busy team is
    hundreds of thousands of rows and never sits in memory at once."""
    team = admin_team(request)
    form = GenerationFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request, "dashboard/generations.html", {"form": form, "team": team}, status=400
        )
    rows, deleted, first, last = _filtered(team, form)
    lines = chain(listing.export_rows(rows), listing.deleted_export_rows(deleted))
    response = StreamingHttpResponse(_csv_lines(lines), content_type="text/csv; charset=utf-8")
    name = f"{slugify(team.name) or 'team'}-generations-{first:%Y%m%d}-{last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
