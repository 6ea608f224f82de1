"""Signatures: the Standard Webhooks scheme, against its published vector and against
an HMAC computed here with the hmac module alone; rotation signs with both secrets
for a day, then with the new one only."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.webhooks.conftest import expected_signature
from webhooks import delivery, services, signing

pytestmark = pytest.mark.django_db


def test_it_reproduces_the_standard_webhooks_published_vector():
    header = signing.signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body='{"test": 2432232314}',
    )
    assert header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_it_signs_id_timestamp_and_body_with_the_decoded_secret_bytes():
    key = bytes(range(32))
    secret = "whsec_" + base64.b64encode(key).decode()
    body = '{"type":"generation.succeeded","data":{"cost":"0.04","prompt":"café"}}'
    by_hand = hmac.new(key, b"msg_abc.1700000000." + body.encode("utf-8"), hashlib.sha256).digest()

    header = signing.signature(secret, message_id="msg_abc", timestamp=1700000000, body=body)

    assert header == "v1," + base64.b64encode(by_hand).decode()
    # A different timestamp or body is a different signature.
    assert header != signing.signature(
        secret, message_id="msg_abc", timestamp=1700000001, body=body
    )
    assert header != signing.signature(
        secret, message_id="msg_abc", timestamp=1700000000, body=body + " "
    )


def test_a_new_secret_has_the_prefix_and_at_least_24_random_bytes():
    first, second = signing.secret_new(), signing.secret_new()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) >= 24
    assert signing.message_id_new().startswith("msg_")


def test_the_headers_carry_id_timestamp_and_one_signature_per_secret():
    secrets = [signing.secret_new(), signing.secret_new()]
    headers = signing.headers(secrets, message_id="msg_1", timestamp=1700000000, body="{}")

    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == "1700000000"
    parts = headers["webhook-signature"].split(" ")
    assert parts == ["v1," + expected_signature(s, "msg_1", "1700000000", b"{}") for s in secrets]


def test_rotation_signs_with_both_secrets_for_a_day_then_the_new_one(make_endpoint):
    endpoint = make_endpoint()
    old = endpoint.secret

    rotated = services.secret_rotate(endpoint=endpoint)

    assert rotated.secret != old and rotated.previous_secret == old
    now = timezone.now()
    assert delivery.signing_secrets(rotated, now) == [rotated.secret, old]
    assert delivery.signing_secrets(rotated, now + timedelta(hours=23)) == [rotated.secret, old]
    assert delivery.signing_secrets(rotated, now + timedelta(hours=24, seconds=1)) == [
        rotated.secret
    ]


def test_a_message_sent_after_rotation_verifies_with_either_secret(
    make_endpoint, receiver, queue, run_queued, committed
):
    from webhooks.events import endpoint_test_send

    endpoint = make_endpoint()
    old = endpoint.secret
    endpoint = services.secret_rotate(endpoint=endpoint)

    receiver.secrets = [old]  # a receiver not yet updated
    with committed():
        endpoint_test_send(endpoint=endpoint)
    run_queued()
    receiver.secrets = [endpoint.secret]  # one already switched
    with committed():
        endpoint_test_send(endpoint=endpoint)
    run_queued()

    assert [r.valid for r in receiver.received] == [True, True]
    assert all(len(r.headers["webhook-signature"].split()) == 2 for r in receiver.received)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        with committed():
            endpoint_test_send(endpoint=endpoint)
        run_queued()
    last = receiver.received[-1]
    assert len(last.headers["webhook-signature"].split()) == 1 and last.valid


def test_the_readme_snippet_verifies_a_real_message_and_refuses_a_forged_one():
    import re
    import time
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own README
    verify = namespace["verify"]

    secrets = [signing.secret_new(), signing.secret_new()]
    body = '{"type":"generation.succeeded","data":{"id":1}}'
    now = int(time.time())
    headers = signing.headers(secrets, message_id="msg_r", timestamp=now, body=body)

    assert verify(secrets[1], headers, body.encode())  # either secret, after a rotation
    assert not verify(secrets[0], headers, body.encode() + b" ")
    assert not verify(signing.secret_new(), headers, body.encode())
    stale = signing.headers(secrets, message_id="msg_r", timestamp=now - 3600, body=body)
    assert not verify(secrets[0], stale, body.encode())
