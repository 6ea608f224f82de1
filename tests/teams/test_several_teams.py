"""A user on several teams: the one-current rule, the header's switcher, a new team,
leaving, and what the current team decides (spend, budgets, boards, presets, the team
dashboard, what a generation is made for, and the team named in the history)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from boards.models import Board
from presets.models import Preset
from spend.models import Budget, LedgerEntry
from teams import actions
from teams.access import (
    forget_memberships,
    is_team_admin,
    may_see,
    membership_of,
    memberships_of,
    team_id_of,
)
from teams.models import Membership, Team
from tests.factories import finished, member

pytestmark = pytest.mark.django_db

SWITCH = reverse("team-switch")


@pytest.fixture
def second(owner):
    """A second team the owner joined later, as its admin (not current yet)."""
    team = Team.objects.create(name="Second team")
    Membership.objects.create(user=owner, team=team, role="admin")
    forget_memberships(owner)
    return team


def fresh(user):
    """The user as their next request reads them (no memberships cached)."""
    forget_memberships(user)
    return user


# --- the model -----------------------------------------------------------------------


def test_a_user_is_on_a_team_at_most_once(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=owner, team=membership_of(owner).team)


def test_a_user_has_at_most_one_current_team(owner, second):
    Membership.objects.filter(user=owner, team=second).update(current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user=owner).update(current=True)


def test_with_none_marked_the_earliest_membership_is_current(owner, second):
    assert not Membership.objects.filter(user=owner, current=True).exists()
    assert membership_of(fresh(owner)).team.name == "owner's team"


def test_the_memberships_are_read_once_per_request_object(owner, second, django_assert_num_queries):
    fresh(owner)
    with django_assert_num_queries(1):
        assert membership_of(owner).team.name == "owner's team"
        assert [m.team.name for m in memberships_of(owner)] == ["owner's team", "Second team"]
        assert is_team_admin(owner, second.pk)
        assert not is_team_admin(owner, membership_of(owner).team_id)
        assert team_id_of(owner) == membership_of(owner).team_id


# --- the switcher --------------------------------------------------------------------


def test_the_owner_switches_and_is_sent_back_where_they_were(login, owner, second):
    client = login(owner)

    response = client.post(SWITCH, {"team": second.pk, "next": "/boards"})

    assert response.status_code == 302 and response["Location"] == "/boards"
    assert Membership.objects.get(user=owner, current=True).team == second
    assert membership_of(fresh(owner)).team == second
    page = client.get("/boards").content.decode()
    assert 'id="header-team">Second team<' in page


def test_the_switcher_shows_only_for_two_teams_or_more(login, owner):
    page = login(owner).get(reverse("studio")).content.decode()
    assert 'id="header-team">owner&#x27;s team<' in page
    assert 'id="team-switch"' not in page

    Membership.objects.create(user=owner, team=Team.objects.create(name="Second team"))
    page = login(owner).get(reverse("studio")).content.decode()
    assert 'id="team-switch"' in page
    assert ">Second team</option>" in page


def test_an_unsafe_next_goes_to_the_studio(login, owner, second):
    response = login(owner).post(SWITCH, {"team": second.pk, "next": "https://evil.test/"})
    assert response["Location"] == reverse("studio")


def test_nobody_switches_to_a_team_they_are_not_on(login, owner, stranger):
    theirs = membership_of(stranger).team
    client = login(owner)
    assert client.post(SWITCH, {"team": theirs.pk}).status_code == 404
    assert client.post(SWITCH, {"team": "x"}).status_code == 404
    assert client.get(SWITCH).status_code == 405
    assert not Membership.objects.filter(user=owner, team=theirs).exists()
    assert membership_of(fresh(owner)).team != theirs


def test_anonymous_is_sent_to_log_in(client, second):
    response = client.post(SWITCH, {"team": second.pk})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_switching_needs_a_csrf_token(owner, second):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(SWITCH, {"team": second.pk}).status_code == 403
    assert not Membership.objects.filter(user=owner, team=second, current=True).exists()


# --- a new team ----------------------------------------------------------------------


def test_any_user_makes_a_team_and_works_for_it(login, owner):
    client = login(owner)
    assert client.get(reverse("team-new")).status_code == 200

    response = client.post(reverse("team-new"), {"name": "  Night   shift "})

    assert response.status_code == 302
    team = Team.objects.get(name="Night shift")
    mine = Membership.objects.get(user=owner, team=team)
    assert mine.is_admin and mine.current
    assert Membership.objects.filter(user=owner).count() == 2
    assert client.get(reverse("team-dashboard")).status_code == 200  # an admin now


def test_a_team_needs_a_name(login, owner):
    response = login(owner).post(reverse("team-new"), {"name": "   "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert Team.objects.count() == 1


def test_team_create_keeps_one_current_team(owner, second):
    actions.team_switch(user=owner, team_id=second.pk)
    team = actions.team_create(name="Third", admin=owner)
    assert list(Membership.objects.filter(user=owner, current=True)) == [
        Membership.objects.get(user=owner, team=team)
    ]


# --- leaving -------------------------------------------------------------------------


def test_a_member_leaves_and_the_next_team_becomes_current(login, owner, second, team_admin):
    first = membership_of(owner).team
    actions.team_switch(user=owner, team_id=first.pk)
    client = login(owner)

    response = client.post(reverse("team-leave"), {"team": first.pk})

    assert response.status_code == 302
    assert not Membership.objects.filter(user=owner, team=first).exists()
    assert Membership.objects.get(user=owner).current
    assert membership_of(fresh(owner)).team == second


def test_the_last_admin_cannot_leave(login, owner, second):
    Membership.objects.create(user=member("other"), team=second)  # a member, not an admin
    response = login(owner).post(reverse("team-leave"), {"team": second.pk}, follow=True)
    assert "You are the only admin of Second team" in response.content.decode()
    assert Membership.objects.filter(user=owner, team=second).exists()


def test_nobody_leaves_their_only_team(login, owner):
    team = membership_of(owner).team
    response = login(owner).post(reverse("team-leave"), {"team": team.pk}, follow=True)
    assert "is your only team" in response.content.decode().replace("&#x27;", "'")
    assert Membership.objects.filter(user=owner, team=team).exists()


def test_leaving_a_team_one_is_not_on_is_a_404(login, owner, second, stranger):
    theirs = membership_of(stranger).team
    assert login(owner).post(reverse("team-leave"), {"team": theirs.pk}).status_code == 404
    assert Membership.objects.filter(user=stranger, team=theirs).exists()


def test_the_teams_page_lists_the_viewers_teams_only(login, owner, second, stranger):
    page = login(owner).get(reverse("teams")).content.decode()
    assert 'data-team="Second team"' in page and 'data-team="owner&#x27;s team"' in page
    assert "stranger" not in page


# --- access across teams -------------------------------------------------------------


def test_an_admin_switched_away_still_sees_their_teams_things(owner, second):
    worker = member("worker", team=second)
    theirs = finished(worker, team=second)
    assert membership_of(fresh(owner)).team != second  # currently on the first team

    assert may_see(owner, owner_id=worker.pk, team_id=theirs.team_id)
    assert is_team_admin(owner, second.pk)


def test_a_plain_member_does_not_see_another_members_generation(owner, teammate, login):
    theirs = finished(teammate)
    assert not may_see(owner, owner_id=teammate.pk, team_id=theirs.team_id)
    assert login(owner).get(reverse("generation-detail", args=[theirs.pk])).status_code == 404


def test_an_admin_of_another_team_sees_nothing_of_this_one(owner, second, teammate):
    theirs = finished(teammate)
    assert not may_see(owner, owner_id=teammate.pk, team_id=theirs.team_id)


# --- what the current team decides ---------------------------------------------------


def test_switching_changes_the_headers_spend_and_budget(login, owner, second, catalog):
    finished(owner, cost="0.25")  # made for the first team
    Budget.objects.create(team=second, amount=Decimal("7.00"))
    client = login(owner)

    page = client.get(reverse("studio")).content.decode()
    assert "This month <strong>$0.25" in page
    assert "budget: <strong>" not in page

    client.post(SWITCH, {"team": second.pk})
    page = client.get(reverse("studio")).content.decode()
    assert "This month <strong>$0.00" in page
    assert "The team&#x27;s monthly budget: <strong>$7.00" in page


def test_switching_changes_the_team_boards_and_presets(login, owner, second):
    first = membership_of(owner).team
    other = member("other", team=second)
    Board.objects.create(owner=other, team=second, name="Second's board", visibility="team")
    Board.objects.create(owner=member("mate", team=first), team=first, name="First's board",
                         visibility="team")  # fmt: skip
    Preset.objects.create(owner=other, team=second, name="Second's preset", template="x")
    client = login(owner)

    page = client.get(reverse("boards")).content.decode()
    presets = client.get(reverse("presets")).content.decode()
    assert "First&#x27;s board" in page and "Second&#x27;s board" not in page
    assert "Second&#x27;s preset" not in presets

    client.post(SWITCH, {"team": second.pk})
    page = client.get(reverse("boards")).content.decode()
    presets = client.get(reverse("presets")).content.decode()
    assert "Second&#x27;s board" in page and "First&#x27;s board" not in page
    assert "Second&#x27;s preset" in presets


def test_switching_changes_the_team_dashboard(login, owner, second):
    worker = member("worker", team=second)
    finished(worker, cost="1.50", team=second)
    client = login(owner)
    assert client.get(reverse("team-dashboard")).status_code == 404  # a member of the first

    client.post(SWITCH, {"team": second.pk})
    page = client.get(reverse("team-dashboard")).content.decode()
    assert "Second team" in page and "worker" in page and "$1.50" in page


def test_a_generation_is_made_for_the_current_team(owner, second, catalog, no_broker):
    from generations import services
    from generations.catalog import find_model

    actions.team_switch(user=owner, team_id=second.pk)
    generation = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4"), prompt="for two", params={}
    )
    assert generation.team == second
    assert LedgerEntry.objects.get(generation=generation).team_id == second.pk


def test_the_history_names_each_generations_team_for_a_user_on_two_teams(login, owner, second):
    finished(owner, prompt="first team's kite")
    finished(owner, prompt="second team's kite", team=second)

    page = login(owner).get(reverse("history")).content.decode()

    assert page.count('data-role="team"') == 2
    assert 'data-role="team" title="Made for this team">Second team<' in page
    assert 'title="Made for this team">owner&#x27;s team<' in page


def test_the_history_of_a_user_on_one_team_names_none(login, owner):
    finished(owner)
    page = login(owner).get(reverse("history")).content.decode()
    assert 'data-role="team"' not in page


def test_the_history_keeps_its_queries_flat_across_teams(login, owner, second):
    finished(owner)
    finished(owner, team=second)
    client = login(owner)
    client.get(reverse("history"))  # warm the catalog and the session

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        client.get(reverse("history"))
    for _ in range(4):
        finished(owner, team=second)
        finished(owner)
    with CaptureQueriesContext(connection) as ten:
        client.get(reverse("history"))
    assert len(ten) == len(two)
