"""The dashboard: spend against budget, charts whose bars lead to their generations,
failures, periods kept when the clock moves on, and a fixed number of queries."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from spend import budgets
from spend.models import Budget, BudgetPeriod
from teams.access import membership_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """The clock (time-machine), stopped at NOW; `clock.move(to)` moves it."""

    class Clock:
        def __init__(self, traveller) -> None:
            self.traveller = traveller

        def move(self, to: datetime) -> None:
            self.traveller.move_to(to)

    with time_machine.travel(NOW, tick=False) as traveller:
        yield Clock(traveller)


def day(n: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, n, hour, tzinfo=UTC)


def bar_links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a class="chart-bar" href="([^"]+)"', page)]


def listed_ids(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-generation="(\d+)"', page)}


@pytest.fixture
def history(clock, owner, teammate, team_admin, stranger, add_generation):
    """A month of the team's spend, with a little outside it and on another team."""
    made = [
        add_generation(owner, cost="0.04", at=day(3)),
        add_generation(owner, cost="0.25", model_id="recraft/recraft-v4-pro", at=day(3, 15)),
        add_generation(teammate, cost="0.02", model_id="xai/grok-imagine-image", at=day(5)),
        add_generation(
            teammate, cost="0.039", model_id="google/gemini-3.1-flash-image", at=day(20)
        ),
        add_generation(team_admin, cost="0.04", at=day(20, 23)),
        add_generation(
            teammate,
            cost="0",
            status="failed",
            model_id="xai/grok-imagine-image",
            at=day(21, 9),
            error_type="provider_error",
            error_message="The image provider had trouble and kept failing after several tries.",
        ),
        add_generation(owner, cost=None, status="running", at=day(21, 11)),
    ]
    add_generation(owner, cost="9.99", at=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))  # October
    add_generation(stranger, cost="7.77", at=day(4))  # another team
    return made


def test_it_shows_the_periods_spend_per_member_and_the_team_budget(
    team_admin_client, history, owner
):
    team = membership_of(owner).team
    budget = Budget.objects.create(team=team, amount=Decimal("10"))
    BudgetPeriod.objects.create(
        budget=budget,
        starts_at=datetime(2026, 11, 1, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, tzinfo=UTC),
        limit=Decimal("10"),
        spent=Decimal("0.389"),
        reserved=Decimal("0.04"),
    )

    page = team_admin_client.get(reverse("team-dashboard")).content.decode()

    assert 'id="period-spent">$0.3890<' in page
    assert 'id="period-count">7<' in page
    assert 'id="period-failed">1<' in page
    assert 'id="team-budget-used">$0.4290<' in page  # one money format (issue 10)
    assert "Resets in 10 days." in page
    assert "9.99" not in page and "7.77" not in page
    owner_row = re.search(r'<tr data-member="owner">(.*?)</tr>', page, re.S).group(1)
    assert "$0.2900" in owner_row and ">3<" in owner_row


def test_each_bar_leads_to_exactly_the_generations_behind_it(team_admin_client, history, owner):
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    links = bar_links(page)
    expected: dict[tuple[str, str], set[int]] = {}
    for g in history:  # all in November, on the admin's team
        expected.setdefault(("day", f"{g.created_at:%Y-%m-%d}"), set()).add(g.pk)
        expected.setdefault(("model", g.model_id), set()).add(g.pk)
        expected.setdefault(("member", str(g.owner_id)), set()).add(g.pk)

    seen = set()
    for link in links:
        query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        assert (query.pop("from"), query.pop("to")) == ("2026-11-01", "2026-11-30")
        [facet] = query.items()
        listing = team_admin_client.get(link)
        assert listing.status_code == 200
        assert listed_ids(listing.content.decode()) == expected[facet], link
        seen.add(facet)
    assert seen == set(expected)


def test_the_day_bars_follow_the_days_with_spend(team_admin_client, history):
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    days = sorted({link.split("day=")[1][:10] for link in bar_links(page) if "day=" in link})
    assert days == ["2026-11-03", "2026-11-05", "2026-11-20", "2026-11-21"]
    assert "3 Nov: $0.2900, 2 generations" in page


def test_failures_are_listed_with_their_reasons_and_counted_by_type(team_admin_client, history):
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    failures = re.search(
        r'<section class="panel" aria-labelledby="failures-title".*?</section>', page, re.S
    ).group(0)
    assert "Provider error (502)" in failures
    assert "The image provider had trouble" in failures
    assert 'class="failure-count">1<' in failures
    link = html.unescape(re.search(r'href="([^"]*status=failed[^"]*)"', failures).group(1))
    assert listed_ids(team_admin_client.get(link).content.decode()) == {history[5].pk}


def test_a_new_period_starts_at_zero_and_the_old_one_is_still_shown(
    team_admin_client, clock, owner, add_generation
):
    team = membership_of(owner).team
    budget = Budget.objects.create(team=team, amount=Decimal("5"))
    november = budgets.current_period(budget)
    BudgetPeriod.objects.filter(pk=november.pk).update(spent=Decimal("1.25"))
    add_generation(owner, cost="1.25", at=day(10))

    clock.move(november.ends_at + timedelta(hours=2))
    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    assert 'id="period-spent">$0.00<' in page
    assert 'id="team-budget-used">$0.00<' in page
    assert "Resets in 31 days." in page  # December
    assert '<option value="2026-11-01">' in page  # the old period is listed

    old = team_admin_client.get(reverse("team-dashboard"), {"start": "2026-11-01"}).content.decode()
    assert 'id="period-spent">$1.25<' in old
    assert 'id="team-budget-used">$1.25<' in old  # from a dollar up: cents
    assert "This period has ended." in old
    assert BudgetPeriod.objects.filter(budget=budget).count() == 1  # a GET writes nothing


def test_the_period_follows_the_team_budget(team_admin_client, clock, owner, add_generation):
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("5"), period="week")
    add_generation(owner, cost="0.04", at=day(16))  # Monday of NOW's week
    add_generation(owner, cost="0.25", at=day(15))  # the Sunday before

    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    assert 'id="period-spent">$0.0400<' in page
    assert "16 Nov 2026 – 22 Nov 2026 (current)" in page


def test_a_tampered_period_shows_the_current_one(team_admin_client, history):
    response = team_admin_client.get(reverse("team-dashboard"), {"start": "2026-13-45"})
    assert response.status_code == 200
    assert "That period was not understood" in response.content.decode()
    assert 'id="period-count">7<' in response.content.decode()


def test_a_future_period_shows_the_current_one(team_admin_client, history):
    page = team_admin_client.get(
        reverse("team-dashboard"), {"start": "2031-01-01"}
    ).content.decode()
    assert 'id="period-count">7<' in page


def test_the_period_picker_swaps_only_the_dashboard(team_admin_client, history):
    response = team_admin_client.get(
        reverse("team-dashboard"), {"start": "2026-10-01"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in body
    assert 'id="period-spent">$9.99<' in body


def test_the_number_of_queries_does_not_grow_with_the_data(
    team_admin_client,
    clock,
    owner,
    teammate,
    team_admin,
    add_generation,
    django_assert_max_num_queries,
):
    team = membership_of(owner).team
    Budget.objects.create(team=team, amount=Decimal("100"))
    for user in (owner, teammate, team_admin):
        Budget.objects.create(team=team, user=user, amount=Decimal("10"))
    # 24: the approvals (generations and matrix runs), alerts, reconciliation and
    # charges-to-check panels, the header's alert badge (issue 10), and the webhooks
    # tab's badge of endpoints turned off
    with django_assert_max_num_queries(24) as small:
        team_admin_client.get(reverse("team-dashboard"))

    models = ["recraft/recraft-v4", "xai/grok-imagine-image", "google/imagen-4.0-generate-001"]
    for i in range(60):
        add_generation(
            (owner, teammate, team_admin)[i % 3],
            cost="0.04",
            model_id=models[i % 3],
            at=day(1 + i % 20),
            status="failed" if i % 7 == 0 else "succeeded",
            error_type="provider_error" if i % 7 == 0 else "",
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = team_admin_client.get(reverse("team-dashboard"))
    assert len(bar_links(response.content.decode())) == 20 + 3 + 3


def test_the_gateway_panel_shows_the_catalog_and_the_last_days_errors(
    team_admin_client, catalog, owner, add_generation
):
    from django.utils import timezone

    add_generation(
        owner,
        cost="0",
        status="failed",
        at=timezone.now() - timedelta(hours=2),
        error_type="auth_error",
    )
    add_generation(
        owner,
        cost="0",
        status="failed",
        at=timezone.now() - timedelta(hours=30),
        error_type="timeout",
    )

    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    panel = re.search(r'id="gateway-status".*?</section>', page, re.S).group(0)
    assert re.search(r"refreshed <time[^>]*>0.minutes ago</time> · \d+ models", panel)
    assert "1 × Key refused (401)" in panel
    assert "Timed out" not in panel  # older than a day
    assert "not checked yet" in panel


def test_each_failure_count_leads_to_exactly_its_failures(
    team_admin_client, clock, owner, add_generation
):
    typed = add_generation(owner, cost="0", status="failed", at=day(2), error_type="timeout")
    untyped = add_generation(owner, cost="0", status="failed", at=day(3))
    add_generation(owner, cost="0.04", at=day(3))

    page = team_admin_client.get(reverse("team-dashboard")).content.decode()
    links = [html.unescape(h) for h in re.findall(r'<li><a href="([^"]*status=failed[^"]*)"', page)]

    listed = [listed_ids(team_admin_client.get(link).content.decode()) for link in links]
    assert sorted(listed, key=min) == [{typed.pk}, {untyped.pk}]
    assert "No reason recorded" in page
