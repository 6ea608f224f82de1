"""Chromium driven by Playwright against the live test server.

Playwright cannot download its own browser here: it drives the system Chromium
(CHROMIUM_EXECUTABLE, default /usr/bin/chromium). A missing Chromium is an error,
not a skip: `make test` installs it.
"""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page_for(browser, live_server):
    """page_for(user) -> a Playwright page logged in as that user. Each user gets a
    session of their own, so two people can use the studio at once."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_page(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
