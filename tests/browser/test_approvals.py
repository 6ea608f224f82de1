"""Approvals in Chromium with a real worker: a member's generation over the team's
threshold waits, an admin approves it on the dashboard and the image arrives in the
member's feed; a rejection frees the hold and the member reads why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from spend import budgets
from spend.models import Budget
from teams.access import membership_of
from tests.browser.test_studio import switch_to

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def threshold(owner):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()
    Budget.objects.create(team=team, amount=Decimal("5"))
    return team


def generate_three_recraft_images(page, prompt: str):
    page.goto("/")
    switch_to(page, "recraft/recraft-v4")
    page.fill("input[name=n]", "3")  # $0.12, above the $0.10 threshold
    page.locator("input[name=n]").dispatch_event("change")
    expect(page.locator("#estimate-budget")).to_contain_text("an admin approves it first")
    page.fill("textarea[name=prompt]", prompt)
    page.click("#generate-button")
    card = page.locator("#feed article.card").first
    expect(card).to_contain_text(prompt)
    expect(card).to_have_attribute("data-status", "approval")
    expect(card).to_contain_text("Waiting for a team admin's approval")
    return card


def test_an_admin_approves_and_the_image_arrives(
    page_for, owner, team_admin, catalog, threshold, workers
):
    workers()
    member = page_for(owner)
    card = generate_three_recraft_images(member, "a kite waiting for approval")

    admin = page_for(team_admin)
    admin.goto("/team/")
    row = admin.locator("#approval-table tbody tr").first
    expect(row).to_contain_text("a kite waiting for approval")
    expect(row).to_contain_text("$0.1200")
    row.get_by_role("button", name="Approve").click()
    expect(admin.locator(".notice--success")).to_contain_text("Approved")

    # The member's card polls every few seconds while it waits, then every 500 ms.
    expect(card).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(card.locator("img")).to_have_count(3)
    expect(member.locator("#header-spend")).to_contain_text("$0.1200")


def test_an_admin_rejects_and_the_hold_is_released(page_for, owner, team_admin, catalog, threshold):
    member = page_for(owner)
    card = generate_three_recraft_images(member, "a kite nobody approves")
    period = budgets.current_period(Budget.objects.get())
    assert period.reserved == Decimal("0.12")

    admin = page_for(team_admin)
    admin.goto("/team/")
    row = admin.locator("#approval-table tbody tr").first
    row.get_by_label("Reason").fill("Drafts on V2, please")
    row.get_by_role("button", name="Reject").click()
    expect(admin.locator(".notice--success")).to_contain_text("is free again")

    expect(card).to_have_attribute("data-status", "failed", timeout=15_000)
    expect(card).to_contain_text("Drafts on V2, please")
    period.refresh_from_db()
    assert (period.reserved, period.spent) == (0, 0)
