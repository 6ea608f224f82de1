"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A secret is "whsec_" + base64 of random bytes; the key is those bytes. The signature
of a message is base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), sent as
"v1,<signature>"; several are sent space-separated while a rotated secret is still
valid, and a receiver accepts the message when any one of them matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32  # the scheme asks for 24 to 64


def secret_new() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id_new() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, *, message_id: str, timestamp: int, body: str) -> str:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], *, message_id: str, timestamp: int, body: str) -> str:
    """The webhook-signature value: one signature per secret still valid."""
    return " ".join(
        signature(s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_
    )


def headers(secrets_: list[str], *, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            secrets_, message_id=message_id, timestamp=timestamp, body=body
        ),
        "content-type": "application/json",
        "user-agent": "LLMTR-Studio-Webhooks/1",
    }
