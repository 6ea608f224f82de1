"""Feed cards (queued -> running -> images), the detail page, history and spend."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from generations.models import Generation
from spend.models import LedgerEntry

pytestmark = pytest.mark.django_db


def card(client, generation) -> str:
    response = client.get(reverse("generation-card", args=[generation.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def fail(generation, **fields) -> Generation:
    defaults = {"status": Generation.Status.FAILED, "finished_at": timezone.now(), "cost": 0}
    Generation.objects.filter(pk=generation.pk).update(**(defaults | fields))
    return Generation.objects.get(pk=generation.pk)


# --- cards -----------------------------------------------------------------------------


def test_a_queued_card_polls_itself(owner_client, queued):
    html = card(owner_client, queued)
    assert 'data-status="queued"' in html
    assert f'hx-get="{reverse("generation-card", args=[queued.pk])}"' in html
    assert 'hx-trigger="every 500ms"' in html
    assert 'hx-swap="outerHTML"' in html


def test_a_running_card_shows_the_elapsed_time(owner_client, queued):
    started = timezone.now() - timedelta(seconds=12)
    Generation.objects.filter(pk=queued.pk).update(status="running", started_at=started)
    html = card(owner_client, queued)
    assert 'data-status="running"' in html
    assert 'hx-trigger="every 500ms"' in html
    assert re.search(r'Running · <span class="elapsed">1[23] s</span>', html)


def test_a_finished_card_stops_polling_and_shows_its_images(owner_client, finished):
    html = card(owner_client, finished)
    image = finished.images.get()
    assert 'data-status="succeeded"' in html
    assert "hx-trigger" not in html
    assert "hx-get" not in html
    assert (
        f'<img src="{reverse("image-thumb", args=[image.pk])}" width="{image.thumb_width}" '
        f'height="{image.thumb_height}" loading="lazy" alt="a red fox in snow">'
    ) in html
    assert "$0.0400" in html


def test_a_failed_card_stops_polling_and_says_what_to_do(owner_client, queued):
    failed = fail(
        queued,
        error_type="rate_limit_exceeded",
        error_message="The gateway is rate limiting requests right now. Try again in a minute.",
    )
    html = card(owner_client, failed)
    assert 'data-status="failed"' in html
    assert "hx-trigger" not in html
    assert "Try again in a minute." in html


def test_a_wrong_endpoint_failure_explains_the_way_out(owner_client, queued):
    failed = fail(
        queued,
        error_type="unsupported_operation",
        error_message="google/gemini-3.1-flash-image does not support image edits.",
        error_hint="Pass reference images as file_ids instead.",
        error_details={"type": "unsupported_operation",
                       "details": {"suggested_endpoint": "/v1/images/generations",
                                   "docs_url": "https://llmtr.com/docs/image-generation"}},
    )  # fmt: skip
    html = card(owner_client, failed)
    assert "Pass reference images as file_ids instead." in html
    assert "This model makes images from a prompt in the studio form" in html
    assert "llmtr.com/docs" not in html


def test_a_real_gateway_failure_reads_as_a_sentence(owner_client, emulator, make_generation, owner):
    emulator.inject("402", times=1)
    failed = make_generation(owner, "recraft/recraft-v4")
    assert failed.status == "failed"
    html = card(owner_client, failed)
    assert "The team&#x27;s gateway credit has run out." in html


def test_a_card_escapes_the_prompt(owner_client, make_generation, owner):
    generation = make_generation(
        owner, "recraft/recraft-v4", prompt="<script>alert(1)</script>", run=False
    )
    html = card(owner_client, generation)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- no upstream URL on any page --------------------------------------------------------


def test_no_page_shows_a_gateway_url(owner_client, emulator_url, make_generation, owner, finished):
    leaky = make_generation(owner, "xai/grok-imagine-image", run=False)
    fail(
        leaky,
        error_type="download_failed",
        error_message="Could not fetch the result URL: https://imgen.x.ai/xai-imgen/abc.jpeg expired",
        error_hint=f"see {emulator_url}/v1/results/1",
        response_meta={"url": "https://imgen.x.ai/xai-imgen/abc.jpeg"},
    )
    pages = [
        reverse("studio"),
        reverse("history"),
        reverse("generation-detail", args=[leaky.pk]),
        reverse("generation-card", args=[leaky.pk]),
        reverse("generation-detail", args=[finished.pk]),
        reverse("studio-fields") + "?model=xai/grok-imagine-image",
    ]
    for url in pages:
        html = owner_client.get(url).content.decode()
        assert emulator_url not in html, url
        assert "imgen.x.ai" not in html, url
        assert "127.0.0.1" not in html, url
        # The CSP allows no inline script or style: none may be in any page.
        assert "<style" not in html and " style=" not in html, url
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], url


# --- the detail page --------------------------------------------------------------------


def test_the_detail_page_shows_the_request_as_sent(owner_client, finished):
    html = owner_client.get(reverse("generation-detail", args=[finished.pk])).content.decode()
    assert "POST /v1/images/generations" in html
    assert "&quot;response_format&quot;: &quot;b64_json&quot;" in html
    assert "&quot;size&quot;: &quot;1:1&quot;" in html
    assert "1 image x $0.04 = $0.0400" in html  # the cost basis
    assert finished.revised_prompt and finished.revised_prompt in html


def test_the_detail_page_shows_full_images_and_downloads(owner_client, finished):
    html = owner_client.get(reverse("generation-detail", args=[finished.pk])).content.decode()
    image = finished.images.get()
    original = reverse("image-original", args=[image.pk])
    assert f'<img src="{original}" width="{image.width}" height="{image.height}"' in html
    assert f'href="{original}?download=1"' in html


def test_the_detail_page_shows_an_svg_only_through_an_img(owner_client, vector):
    html = owner_client.get(reverse("generation-detail", args=[vector.pk])).content.decode()
    original = reverse("image-original", args=[vector.images.get().pk])
    assert f'<img src="{original}"' in html
    assert "<object" not in html and "<iframe" not in html and "<embed" not in html
    assert "<svg" not in html


def test_reuse_settings_opens_the_studio_with_them(owner_client, finished):
    html = owner_client.get(reverse("generation-detail", args=[finished.pk])).content.decode()
    link = re.search(r'href="([^"]+)">Reuse settings', html).group(1).replace("&amp;", "&")
    page = owner_client.get(link).content.decode()
    assert '<option value="recraft/recraft-v4" selected>' in page
    assert "a red fox in snow</textarea>" in page


# --- history and spend -----------------------------------------------------------------


def test_history_lists_newest_first_in_keyset_pages(
    owner_client, owner, make_generation, monkeypatch
):
    from generations import queries

    monkeypatch.setattr(queries, "HISTORY_PAGE_SIZE", 2)
    made = [
        make_generation(owner, "recraft/recraft-v4", prompt=f"p{i}", run=False) for i in range(3)
    ]
    first = owner_client.get(reverse("history")).content.decode()
    ids = [int(i) for i in re.findall(r'<article class="card[^"]*" id="generation-(\d+)"', first)]
    assert ids == [made[2].pk, made[1].pk]
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = owner_client.get(older).content.decode()
    ids = [int(i) for i in re.findall(r'<article class="card[^"]*" id="generation-(\d+)"', second)]
    assert ids == [made[0].pk]
    assert 'rel="next"' not in second


@pytest.mark.parametrize("marker", ["abc", "-1", "9" * 40])
def test_history_ignores_a_bad_page_marker(owner_client, finished, marker):
    assert owner_client.get(reverse("history") + f"?before={marker}").status_code == 200


def test_an_id_too_large_for_the_database_is_a_404(owner_client, db):
    huge = "9" * 40
    assert owner_client.get(f"/generations/{huge}").status_code == 404
    assert owner_client.get(f"/generations/{huge}/card").status_code == 404
    assert owner_client.get(f"/media/images/{huge}/original").status_code == 404


def test_spend_counts_settled_costs_this_month_and_in_total(owner_client, owner, finished, vector):
    old = LedgerEntry.objects.get(generation=finished, kind="settlement")
    LedgerEntry.objects.filter(pk=old.pk).update(spent_at=timezone.now() - timedelta(days=62))
    html = owner_client.get(reverse("history")).content.decode()
    assert 'id="spend-month">$0.0800<' in html
    assert 'id="spend-total">$0.1200<' in html
    assert "This month <strong>$0.0800</strong>" in html


def test_spend_leaves_out_reservations_not_yet_settled(owner_client, queued):
    assert LedgerEntry.objects.filter(kind="reservation").exists()
    html = owner_client.get(reverse("history")).content.decode()
    assert 'id="spend-total">$0.00<' in html


def test_spend_is_exact(owner, queued):
    from generations import queries

    for amount in ("0.0000000001", "0.0200000002"):
        LedgerEntry.objects.create(generation=Generation.objects.create(owner=owner, prompt="x"),
                                   user=owner, kind="settlement", amount=Decimal(amount))  # fmt: skip
    assert queries.user_spend(owner) == Decimal("0.0200000003")


# --- login and logout --------------------------------------------------------------------


def test_the_login_page_renders_and_logs_in(client, owner):
    assert 'name="username"' in client.get(reverse("login")).content.decode()
    response = client.post(reverse("login"), {"username": "owner", "password": "pw-owner"})
    assert response.status_code == 302
    assert response.url == reverse("studio")


def test_a_bad_password_gets_a_message(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert "Please enter a correct username and password." in response.content.decode()


def test_logout_is_a_post_form(owner_client, catalog):
    html = owner_client.get("/").content.decode()
    assert f'<form method="post" action="{reverse("logout")}"' in html
    assert owner_client.post(reverse("logout")).status_code == 302
