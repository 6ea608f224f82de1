"""The team's audit log (audit.models), for its admins: newest first, filtered, a page at a time, and
the same rows as CSV. Read-only: the app offers no way to change an event."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from audit import queries
from audit.forms import AuditFilterForm, type_name
from audit.models import AuditEvent
from studio.spreadsheet import Echo, safe_cell
from teams.access import admin_membership, login_required


def _admin(request: HttpRequest):
    """The viewer's admin membership of their current team, else 404."""
    membership = admin_membership(request.user)
    if membership is None:
        raise Http404("No such page.")
    return membership


def _form(request: HttpRequest, team_id: int) -> AuditFilterForm:
    return AuditFilterForm(request.GET or None, **queries.facets(team_id))


def _filter_query(form: AuditFilterForm) -> str:
    """The filters as a query string, without the cursor: for links and the CSV."""
    data = {k: v for k, v in form.data.items() if k != "before" and v}
    return urlencode(data)


@require_GET
@login_required
def team_audit(request: HttpRequest) -> HttpResponse:
    membership = _admin(request)
    form = _form(request, membership.team_id)
    events: list[AuditEvent] = []
    next_before, status = None, 200
    if form.is_bound and not form.is_valid():
        status = 422
    else:
        data = form.cleaned_data if form.is_bound else {}
        rows = queries.filtered(queries.team_events(membership.team_id), data)
        events, next_before = queries.page(rows, data.get("before"))
    context = {
        "team": membership.team,
        "form": form,
        "events": [
            (event, queries.readable_changes(event), type_name(event.target_type))
            for event in events
        ],
        "next_before": next_before,
        "is_first_page": not request.GET.get("before"),
        "query": _filter_query(form) if form.is_bound else "",
    }
    return render(request, "audit/log.html", context, status=status)


@require_GET
@login_required
def team_audit_csv(request: HttpRequest) -> HttpResponse:
    membership = _admin(request)
    form = _form(request, membership.team_id)
    if form.is_bound and not form.is_valid():
        context = {"team": membership.team, "form": form, "events": [], "query": ""}
        return render(request, "audit/log.html", context, status=422)
    data = form.cleaned_data if form.is_bound else {}
    rows = queries.filtered(queries.team_events(membership.team_id), data)
    writer = csv.writer(Echo())
    lines = (writer.writerow([safe_cell(cell) for cell in row]) for row in queries.csv_rows(rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"{slugify(membership.team.name) or 'team'}-audit-log.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
