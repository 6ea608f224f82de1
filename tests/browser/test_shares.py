"""Share links in a real browser: a board made from the gallery's selection, shared
with a one-day link, opened signed out in a fresh browser, revoked, and dead."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from generations import services, worker
from generations.catalog import find_model
from generations.models import Generation
from shares.models import ShareLink

pytestmark = [pytest.mark.browser]


@pytest.fixture
def made(catalog, media_root, no_broker, owner):
    out = []
    for prompt in ("a red fox", "a lighthouse", "a teapot"):
        generation = services.generation_create(
            user=owner, model=find_model("recraft/recraft-v4"), prompt=prompt, params={"n": 1}
        )
        worker.generation_run(generation_id=generation.pk)
        out.append(Generation.objects.get(pk=generation.pk))
    return out


def images_loaded(page) -> int:
    """How many of the shared page's images the browser actually decoded."""
    return page.evaluate(
        "() => [...document.querySelectorAll('#shared-grid img')]"
        ".filter(img => img.complete && img.naturalWidth > 0).length"
    )


@pytest.mark.django_db(transaction=True)
def test_a_board_shared_with_a_one_day_link_opens_signed_out_until_revoked(
    page_for, browser, live_server, owner, made
):
    page = page_for(owner)
    page.goto("/gallery")
    for generation in made:
        page.check(f"#tile-{generation.pk} input[name=ids]")
    page.click("#bulk-board")
    page.fill("#id_name", "Client picks")
    page.click("#board-add-submit")
    expect(page.locator(".notice--success")).to_contain_text("Added 3 images to “Client picks”")

    page.click("#nav-boards")
    page.click("text=Client picks")
    page.click("#board-share-link")
    expect(page.locator("h1")).to_have_text("Share the board “Client picks”")
    page.check("#expiry-1")
    page.click("#share-submit")
    expect(page.locator("#share-made")).to_be_visible()
    link = ShareLink.objects.get()
    url = page.input_value("#share-made-url")
    assert url == f"{live_server.url}/s/{link.token}"
    assert link.expires_at.date() >= link.created_at.date()
    assert (link.expires_at - link.created_at).total_seconds() == pytest.approx(86400, abs=5)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.click("#share-copy")
    expect(page.locator("#share-copy")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == url

    # Somebody else, never signed in: a browser context with no cookies at all.
    stranger = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        shared = stranger.new_page()
        shared.set_default_timeout(15_000)
        response = shared.goto(url)
        assert response is not None and response.status == 200
        assert response.headers["x-robots-tag"] == "noindex, nofollow"
        expect(shared.locator("#shared-board-name")).to_have_text("Client picks")
        expect(shared.locator("#shared-grid .shared-tile")).to_have_count(3)
        shared.wait_for_function(
            "() => [...document.querySelectorAll('#shared-grid img')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        assert images_loaded(shared) == 3
        expect(shared.locator(".site-header")).to_have_count(0)
        for generation in made:
            expect(shared.locator("body")).not_to_contain_text(generation.prompt)

        # The owner revokes it from the board's share page.
        page.click(f"tr[data-link='{link.pk}'] [data-action=revoke]")
        expect(page.locator(".notice--success")).to_contain_text("It no longer works.")
        expect(page.locator(f"tr[data-link='{link.pk}']")).to_have_attribute(
            "data-state", "revoked"
        )

        response = shared.goto(url)
        assert response is not None and response.status == 404
        expect(shared.locator("h1")).to_have_text("This link no longer works")
        expect(shared.locator("#shared-grid")).to_have_count(0)
        thumb = shared.request.get(f"{url}/image/{made[0].images.get().pk}/thumb")
        assert thumb.status == 404
    finally:
        stranger.close()
    assert ShareLink.objects.get().view_count == 1
