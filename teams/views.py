"""A user's own teams: the header's switcher, a new team, leaving, and invite links
(made on the members page by an admin, opened by whoever was sent one).

Every view checks access first; a team the user is not on, or an invite of a team they
do not administer, is a 404, so nothing is learnt about other teams.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.http import safe_next, whole_number
from teams import actions
from teams.access import (
    admin_membership,
    is_team_admin,
    login_required,
    membership_of,
    memberships_of,
)
from teams.forms import InviteForm, SwitchForm, TeamChoiceForm, TeamForm
from teams.models import Membership, TeamInvite

NO_TEAM = "No such team."


@require_GET
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    context = {"memberships": memberships_of(request.user), "current": membership_of(request.user)}
    return render(request, "teams/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def team_new(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        team = actions.team_create(name=form.cleaned_data["name"], admin=request.user)
        messages.success(
            request, f"Made the team {team.name}: you are its admin, and it is your current team."
        )
        return redirect("teams")
    status = 422 if form.is_bound else 200
    return render(request, "teams/new.html", {"form": form}, status=status)


@require_POST
@login_required
def team_switch(request: HttpRequest) -> HttpResponse:
    form = SwitchForm(request.POST)
    if not form.is_valid():
        raise Http404(NO_TEAM)
    try:
        membership = actions.team_switch(user=request.user, team_id=form.cleaned_data["team"])
    except Membership.DoesNotExist:
        raise Http404(NO_TEAM) from None
    messages.success(request, f"You now work for {membership.team.name}.")
    return redirect(safe_next(request, form.cleaned_data["next"], "studio"))


@require_POST
@login_required
def team_leave(request: HttpRequest) -> HttpResponse:
    form = TeamChoiceForm(request.POST)
    if not form.is_valid():
        raise Http404(NO_TEAM)
    try:
        actions.team_leave(user=request.user, team_id=form.cleaned_data["team"])
    except Membership.DoesNotExist:
        raise Http404(NO_TEAM) from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You left the team. Your generations stay in its history.")
    return redirect("teams")


# --- invite links --------------------------------------------------------------------


@require_POST
@login_required
def invite_create(request: HttpRequest) -> HttpResponse:
    """An admin makes a link to their current team (the members page's form)."""
    membership = admin_membership(request.user)
    if membership is None:
        raise Http404(NO_TEAM)
    form = InviteForm(request.POST)
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        messages.error(request, "The invite link was not made: " + " ".join(errors))
        return redirect("team-members")
    actions.invite_create(team=membership.team, created_by=request.user, **form.cleaned_data)
    messages.success(request, "Invite link made: copy it below and send it. It works for 7 days.")
    return redirect("team-members")


@require_POST
@login_required
def invite_revoke(request: HttpRequest) -> HttpResponse:
    invite_id = whole_number(request.POST.get("invite", ""))
    invite = TeamInvite.objects.filter(pk=invite_id).first() if invite_id is not None else None
    if invite is None or not is_team_admin(request.user, invite.team_id):
        raise Http404("No such invite link.")
    actions.invite_revoke(invite=invite)
    messages.success(request, "Invite link revoked: it no longer works.")
    return redirect(safe_next(request, request.POST.get("next", ""), "team-members"))


@require_http_methods(["GET", "POST"])
@login_required
def invite_join(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind an invite link: the team's name and a Join button."""
    invite = TeamInvite.objects.select_related("team").filter(token=token).first()
    if invite is None:
        return _invite_gone(request, "This invite link does not exist.", status=404)
    if invite.problem:
        return _invite_gone(request, invite.problem, status=410)
    if request.method == "POST":
        try:
            membership = actions.invite_accept(invite=invite, user=request.user)
        except ValidationError as exc:
            return _invite_gone(request, " ".join(exc.messages), status=410)
        messages.success(
            request,
            f"You are on {invite.team.name} as {membership.get_role_display().lower()}; "
            "it is your current team.",
        )
        return redirect("studio")
    already = any(m.team_id == invite.team_id for m in memberships_of(request.user))
    context = {"invite": invite, "already": already}
    return render(request, "teams/join.html", context)


def _invite_gone(request: HttpRequest, reason: str, *, status: int) -> HttpResponse:
    return render(request, "teams/invite_gone.html", {"reason": reason}, status=status)
