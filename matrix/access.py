"""Who may see a matrix run: its owner, and the admins of its team (who also decide
on it when it waits for approval). Anybody else gets a 404 on every URL of it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from matrix.models import MatrixRun
from teams.access import admin_membership, is_team_admin, may_see


def get_run_for_user(
    user: AbstractBaseUser | AnonymousUser, pk: int, *, owner_only: bool = False
) -> MatrixRun:
    """The run `pk` if `user` may see it (with owner_only: if it is theirs), else 404."""
    run = MatrixRun.objects.select_related("owner", "team", "decided_by").filter(pk=pk).first()
    if run is None or not may_see(user, owner_id=run.owner_id, team_id=run.team_id):
        raise Http404("No such matrix run.")
    if owner_only and run.owner_id != user.pk:
        raise Http404("No such matrix run.")
    return run


def get_run_for_admin(user: AbstractBaseUser | AnonymousUser, pk: int) -> MatrixRun:
    """The run `pk` if `user` administers its team, else 404."""
    run = get_run_for_user(user, pk)
    if not is_team_admin(user, run.team_id):
        raise Http404("No such matrix run.")
    return run


def visible_runs(user: AbstractBaseUser) -> QuerySet[MatrixRun]:
    """The user's own runs, and for a team admin every run of their team."""
    membership = admin_membership(user)
    mine = Q(owner=user)
    if membership is not None:
        mine |= Q(team_id=membership.team_id)
    return MatrixRun.objects.filter(mine).select_related("owner")
