"""Error reports to Sentry (or any Sentry-compatible service), only when SENTRY_DSN is
set: settings.py imports this module then, and only then, so with no DSN nothing of
sentry_sdk is loaded and nothing leaves the machine.

Reports carry no personal data (send_default_pii=False: no cookies, no user, no
client address), and never the gateway key or a secret the studio hands out (API
tokens, webhook secrets, share and invite links): every string of an event, including
the local variables of its stack frames and its breadcrumbs, is scrubbed of them
before the event is sent.
"""

from __future__ import annotations

import re
from typing import Any, cast

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Event, Hint

REDACTED = "[Filtered]"


def start_error_reporting(*, dsn: str, environment: str, release: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        environment=environment or None,
        release=release or None,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )


def scrub_event(event: Event, hint: Hint) -> Event:
    """before_send: the event with the gateway key and every other secret the studio
    hands out (API tokens, webhook secrets, share and invite links) replaced wherever
    it appears."""
    from django.conf import settings

    key = settings.LLMTR_API_KEY
    return cast(Event, scrub(event, key))


# What the studio hands out that works as a credential: an API token, a webhook
# signing secret, and the token in a share or invite link's path.
SECRETS = re.compile(
    r"st_[0-9a-f]{10}_[A-Za-z0-9_-]{20,}"
    r"|whsec_[A-Za-z0-9+/=]{20,}"
    r"|(?<=/s/)[A-Za-z0-9_-]{20,}"
    r"|(?<=/teams/join/)[A-Za-z0-9_-]{20,}"
)


def scrub(value: Any, secret: str) -> Any:
    if isinstance(value, str):
        if secret:
            value = value.replace(secret, REDACTED)
        return SECRETS.sub(REDACTED, value)
    if isinstance(value, dict):
        return {scrub(k, secret): scrub(v, secret) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item, secret) for item in value]
    return value
