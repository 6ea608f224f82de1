"""The API's interactive docs in Chromium, offline and under the page's own policy:
Swagger UI renders the operation list from /api/v1/openapi.json, with nothing refused
by the Content-Security-Policy and nothing fetched from elsewhere. And the account
page's token, shown once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_the_docs_render_the_operation_list(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: elsewhere.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    page.add_init_script(
        "window.refused = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.refused.push(e.violatedDirective));"
    )

    page.goto("/api/v1/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("LLMTR Studio API")
    operations = page.locator(".opblock-summary-path")
    expect(operations.filter(has_text="/api/v1/generations").first).to_be_visible()
    assert operations.count() >= 20
    expect(page.locator(".btn.authorize")).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/v1/models").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert page.evaluate("window.refused") == []
    assert [p for p in problems if "Content Security Policy" in p] == []
    assert [u for u in elsewhere if not u.startswith("data:")] == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_new_token_is_shown_once_with_a_copy_button(page_for, owner):
    page = page_for(owner)
    page.goto("/")
    page.click(".site-user >> text=API tokens")

    page.fill("#id_name", "render farm")
    page.check("input[name=scopes][value=generate]")
    page.click("#token-form button[type=submit]")

    expect(page.locator("#token-secret")).to_have_value(re.compile(r"^st_[0-9a-f]{10}_"))
    expect(page.locator("[data-copy]")).to_be_visible()
    expect(page.locator("#tokens")).to_contain_text("render farm")
    page.goto("/account/tokens")  # not a reload: that would send the form again
    expect(page.locator("#token-secret")).to_have_count(0)
