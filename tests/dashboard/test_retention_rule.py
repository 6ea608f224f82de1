"""The retention rule on the budgets page: whole days from 1 to 3650, or empty to keep
originals forever; a clear message for anything else, the value kept as typed; and
only the team's admins may set it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from teams.access import membership_of
from teams.models import Team

pytestmark = pytest.mark.django_db


def rule(team: Team) -> int | None:
    team.refresh_from_db()
    return team.keep_originals_days


def test_the_budgets_page_offers_the_rule(team_admin_client):
    page = team_admin_client.get(reverse("team-budgets")).content.decode()
    form = re.search(r'<form[^>]*id="retention-form".*?</form>', page, re.S).group(0)
    assert f'action="{reverse("team-retention")}"' in form
    assert 'name="keep_originals_days"' in form
    assert "Now: originals are kept forever." in page


@pytest.mark.parametrize(("typed", "kept"), [("90", 90), (" 1 ", 1), ("3650", 3650), ("", None)])
def test_an_admin_sets_it_in_whole_days_or_empties_it(team_admin_client, owner, typed, kept):
    team = membership_of(owner).team
    team.keep_originals_days = 30
    team.save()

    response = team_admin_client.post(
        reverse("team-retention"), {"keep_originals_days": typed}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"{reverse('team-budgets')}#retention"
    assert rule(team) == kept
    page = response.content.decode()
    if kept is None:
        assert "Originals are now kept forever." in page
        assert "Now: originals are kept forever." in page
    else:
        assert f"older than {kept} day{'s' if kept != 1 else ''} will be archived" in page
        assert f'value="{kept}"' in page
        storage = team_admin_client.get(reverse("team-storage")).content.decode()
        assert f"Originals are kept for {kept} day" in storage


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Keep originals for at least 1 day, or leave the field empty to keep them forever."),
        ("-5", "Keep originals for at least 1 day, or leave the field empty to keep them forever."),
        ("3651", "At most 3650 days (ten years); leave the field empty to keep originals forever."),
        ("99999999999999999999", "At most 3650 days (ten years)"),
        ("1.5", "Write a whole number of days, such as 90, or leave the field empty"),
        ("ninety", "Write a whole number of days, such as 90, or leave the field empty"),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(team_admin_client, owner, typed, message):
    team = membership_of(owner).team
    team.keep_originals_days = 30
    team.save()

    response = team_admin_client.post(reverse("team-retention"), {"keep_originals_days": typed})

    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page  # what was typed, kept
    assert 'id="budget-form"' in page  # the whole budgets page, not a bare error
    assert rule(team) == 30


@pytest.mark.parametrize("who", ["owner", "stranger"])
def test_nobody_but_the_teams_admins_may_change_it(login, owner, team_admin, who, request):
    """The owner is a plain member of the team; the stranger is on another team."""
    team = membership_of(owner).team
    client = login(request.getfixturevalue(who))
    response = client.post(reverse("team-retention"), {"keep_originals_days": "1"})
    assert response.status_code == 404
    assert rule(team) is None
    assert client.get(reverse("team-budgets")).status_code == 404


def test_an_admin_changes_their_own_teams_rule_only(login, owner, team_admin, stranger):
    other_team = membership_of(stranger).team
    other_team.memberships.filter(user=stranger).update(role="admin")

    login(stranger).post(reverse("team-retention"), {"keep_originals_days": "7"})

    assert rule(other_team) == 7
    assert rule(membership_of(owner).team) is None
