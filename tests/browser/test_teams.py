"""Several teams in a real browser: a user on two teams switches in the header and
works for the other team (its name in the header, its team board in the list)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from boards.models import Board
from teams.models import Membership, Team
from tests.factories import member

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_user_on_two_teams_switches_team_in_the_header(page_for, owner):
    studio = Team.objects.create(name="Night studio")
    Membership.objects.create(user=owner, team=studio, role="member")
    colleague = member("colleague", team=studio)
    Board.objects.create(owner=colleague, team=studio, name="Night moodboard", visibility="team")

    page = page_for(owner)
    page.goto("/boards")
    expect(page.locator("#header-team")).to_have_text("owner's team")
    expect(page.locator("#board-list")).to_have_count(0)  # no board of the first team

    page.select_option("#team-switch-select", label="Night studio")
    page.click("#team-switch button[type=submit]")

    expect(page.locator(".notice--success")).to_contain_text("You now work for Night studio.")
    expect(page).to_have_url(re.compile(r"/boards$"))  # back where they were
    expect(page.locator("#header-team")).to_have_text("Night studio")
    expect(page.locator("#board-list")).to_contain_text("Night moodboard")
    expect(page.locator("#team-switch-select")).to_have_value(str(studio.pk))
