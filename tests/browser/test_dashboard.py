"""The team dashboard in a real browser: the charts are drawn, a bar leads to the
generations behind it, the period picker swaps the page in place, and a member is
turned away."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from generations.models import Generation
from spend import rollups
from spend.models import LedgerEntry
from teams.access import membership_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def last_month() -> datetime:
    """Noon on the first day of the month before this one."""
    first = timezone.localtime().replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=1)).replace(day=1)


def spend(user, model_id: str, cost: str, *, at: datetime | None = None) -> Generation:
    """A finished generation with its settlement, as the worker leaves it."""
    team = membership_of(user).team
    generation = Generation.objects.create(
        owner=user,
        team=team,
        status=Generation.Status.SUCCEEDED,
        model_id=model_id,
        provider=model_id.split("/")[0],
        prompt="a paper kite",
        estimated_cost=Decimal(cost),
        cost=Decimal(cost),
    )
    if at is not None:
        Generation.objects.filter(pk=generation.pk).update(created_at=at)
    money = {"generation": generation, "team": team, "user": user, "model_id": model_id}
    money["spent_at"] = at or generation.created_at
    LedgerEntry.objects.create(kind="reservation", amount=Decimal(cost), **money)
    LedgerEntry.objects.create(
        kind="settlement", amount=Decimal(cost), released=Decimal(cost), **money
    )
    rollups.rebuild(team.pk)  # as the ledger's own writes keep them
    return generation


def test_an_admin_clicks_a_bar_and_lands_on_its_generations(page_for, owner, teammate, team_admin):
    pro = [
        spend(owner, "recraft/recraft-v4-pro", "0.25"),
        spend(teammate, "recraft/recraft-v4-pro", "0.25"),
    ]
    spend(owner, "recraft/recraft-v4", "0.04")
    spend(teammate, "xai/grok-imagine-image", "0.02")
    spend(owner, "recraft/recraft-v4", "0.04", at=last_month())
    page = page_for(team_admin)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto("/team/")

    expect(page.locator("svg.chart--day a.chart-bar")).to_have_count(1)
    expect(page.locator("svg.chart--model a.chart-bar")).to_have_count(3)
    expect(page.locator("svg.chart--member a.chart-bar")).to_have_count(2)
    expect(page.locator("#period-spent")).to_have_text("$0.5600")

    page.locator('svg.chart--model a.chart-bar[data-label="Recraft V4 Pro"]').click()

    expect(page).to_have_url(re.compile(r"/team/generations\?.*model=recraft%2Frecraft-v4-pro"))
    rows = page.locator("#team-generations tbody tr")
    expect(rows).to_have_count(2)
    shown = {int(pk) for pk in rows.evaluate_all("rs => rs.map(r => r.dataset.generation)")}
    assert shown == {g.pk for g in pro}
    expect(page.locator("#filter-summary")).to_contain_text("2 generations, $0.5000")

    page.go_back()
    page.select_option("#period-start", index=1)  # the period before: swapped in by htmx
    expect(page).to_have_url(re.compile(r"/team/\?start="))
    expect(page.locator("#period-spent")).to_have_text("$0.0400")
    expect(page.locator("svg.chart--day a.chart-bar")).to_have_count(1)
    assert problems == []  # no CSP violations, no script errors


def test_a_member_gets_a_404(page_for, owner, team_admin):
    page = page_for(owner)
    response = page.goto("/team/")
    assert response.status == 404
    page.goto("/history")
    expect(page.locator(".site-nav")).not_to_contain_text("Team")


def test_the_storage_panel_arrives_after_the_page(page_for, owner, teammate, team_admin):
    from generations.models import GeneratedImage

    image = spend(owner, "recraft/recraft-v4", "0.04")
    GeneratedImage.objects.create(
        generation=image, index=0, bytes=3 * 1024**2, thumb_bytes=1024, file="f", thumbnail="t",
        sha256="0" * 64, width=1, height=1, mime_type="image/png", thumb_width=1, thumb_height=1,
    )  # fmt: skip
    page = page_for(team_admin)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto("/team/")

    expect(page.locator("#storage-total")).to_have_text("3.0\xa0MB")
    expect(page.locator('#storage-table tr[data-storage-member="owner"] td').last).to_have_text(
        "3.0\xa0MB"
    )
    expect(page.locator("#storage-table tbody tr")).to_have_count(3)  # every member
    assert problems == []  # no CSP violations, no script errors
