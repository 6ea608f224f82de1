"""The webhook pages in Chromium: an admin adds an endpoint, reads its secret, sends a
test event and watches the delivery page update itself (htmx polling), then filters
the log in place; no script or style is refused by the CSP on the way."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client

from webhooks.models import Delivery, Endpoint

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM around Playwright

pytestmark = [pytest.mark.browser]


@pytest.fixture
def admin_page(browser, live_server, team_admin):
    client = Client()
    client.force_login(team_admin)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.refused = refused  # type: ignore[attr-defined]
    yield page
    context.close()


def test_an_admin_sets_up_an_endpoint_and_sees_a_test_event_arrive(
    admin_page, receiver, loopback, queue, run_queued
):
    page = admin_page
    page.goto("/team/webhooks")
    page.fill("#id_url", receiver.url)
    page.fill("#id_description", "build server")
    page.check("input[value='generation.succeeded']")
    page.click("#endpoint-form button[type=submit]")

    page.wait_for_selector("#endpoint-form")
    endpoint = Endpoint.objects.get()
    receiver.secrets.append(endpoint.secret)
    assert "Endpoint added" in page.inner_text(".messages")
    page.click(".webhook-secret summary")
    assert page.inner_text("#signing-secret").strip() == endpoint.secret

    page.click("#send-test")
    page.wait_for_selector("#result")
    assert "Waiting" in page.inner_text("#result")
    run_queued()  # the worker's part
    page.wait_for_selector("#result .status--succeeded")  # the page polled itself
    assert "Delivered" in page.inner_text("#result") and receiver.received[0].valid

    page.goto("/team/webhooks/deliveries")
    page.select_option("#id_status", "failed")  # htmx swaps the log in place
    page.wait_for_selector("#deliveries >> text=No deliveries match these filters")
    assert "status=failed" in page.url
    page.select_option("#id_status", "delivered")
    row = Delivery.objects.get()
    page.wait_for_selector(f"tr[data-delivery='{row.pk}']")
    assert page.refused == []  # type: ignore[attr-defined]
