"""A run waiting for approval is listed on the team dashboard's approvals panel, for
that team's admins, with its size and estimate, until it is decided."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from matrix.models import MatrixRun
from teams.access import membership_of


def waiting_run(owner, start):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()
    run = start(owner)
    assert run.status == MatrixRun.Status.AWAITING_APPROVAL
    return run


def test_a_waiting_run_is_on_the_dashboard(owner, team_admin, login, start):
    run = waiting_run(owner, start)

    body = login(team_admin).get(reverse("team-dashboard")).content.decode()

    assert f'data-run="{run.pk}"' in body
    assert reverse("matrix-run", args=[run.pk]) in body
    assert "12 cells, estimated $0.3600" in body


def test_a_decided_run_leaves_the_panel(owner, team_admin, login, start):
    run = waiting_run(owner, start)
    admin = login(team_admin)
    admin.post(reverse("matrix-decline", args=[run.pk]), {"reason": "Not now"})

    body = admin.get(reverse("team-dashboard")).content.decode()

    assert f'data-run="{run.pk}"' not in body and 'id="waiting-runs"' not in body


def test_another_teams_admin_does_not_see_it(owner, start, login, stranger):
    from teams import actions

    run = waiting_run(owner, start)
    other = membership_of(stranger)
    actions.member_set_role(team=other.team, user_id=stranger.pk, role="admin")

    body = login(stranger).get(reverse("team-dashboard")).content.decode()

    assert f'data-run="{run.pk}"' not in body
