"""schemathesis against the OpenAPI document, in process (WSGI), authenticated with a
token that has every scope: whatever it sends that the document allows, no answer is
a 5xx and every answer matches the document (status, content type, headers, body).

Generation creation runs against the emulator's catalog with no worker (no_broker):
nothing reaches the network. Bounded: MAX_EXAMPLES per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_process():
    """Requests served inside the test's transaction: Django closes the connection at
    the end of each request, which Django's own test client prevents the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded once, at collection, from the running app: the document as clients get it.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def bearer(
    db, settings, catalog, media_root, no_broker, in_process, make_token, owner, make_upload,
    make_generation,
):  # fmt: skip
    """A token of the owner's, who has an upload and an image for ids to land on."""
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000  # this run is one very busy token
    make_upload(owner, 7)
    make_generation(owner, "recraft/recraft-v4", size="1:1", n=1)
    return {"Authorization": f"Bearer {make_token(owner)}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_its_document(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
