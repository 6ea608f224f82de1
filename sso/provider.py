"""The company's identity provider: whether single sign-on is on, and where it lives.

The endpoints come from the provider's discovery document (OIDC_OP_DISCOVERY_URL),
fetched on first use rather than at start-up, so a provider that is down never stops
the studio from starting or local accounts from signing in. The document is kept for
OIDC_DISCOVERY_CACHE_SECONDS; when a refresh fails the last good copy is used. Any
OIDC_OP_* endpoint set explicitly wins over the discovered one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
UNAVAILABLE = (
    "Company sign-in is not available right now. Sign in with your studio username and "
    "password, or try again in a few minutes."
)
MISCONFIGURED = (
    "Company sign-in is not set up correctly. Sign in with your studio username and "
    "password, and ask an admin to check the single sign-on settings."
)


class ProviderUnavailable(Exception):
    """The provider cannot be used now; `message` is for the person signing in."""

    def __init__(self, message: str, detail: str):
        super().__init__(detail)
        self.message = message


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_endpoint: str


def sso_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


# Discovery documents by URL: (fetched at, document). One process-wide copy.
_documents: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


def forget_discovery() -> None:
    """Drop the kept documents (tests; or after the provider moved)."""
    with _lock:
        _documents.clear()


def _check_url(name: str, url: str) -> None:
    """Only https, except plain http to this machine when the dev setting allows it:
    tokens and codes must not cross a network in the clear."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and settings.OIDC_ALLOW_HTTP_LOCALHOST:
        if parts.hostname in LOOPBACK_HOSTS:
            return
    raise ProviderUnavailable(MISCONFIGURED, f"{name} must be an https URL, got {url!r}")


def _fetch(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(UNAVAILABLE, f"discovery {url} failed: {error}") from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(UNAVAILABLE, f"discovery {url} is not a JSON object")
    return document


def _discovery(url: str) -> dict:
    _check_url("OIDC_OP_DISCOVERY_URL", url)
    with _lock:
        kept = _documents.get(url)
    if kept and time.monotonic() - kept[0] < settings.OIDC_DISCOVERY_CACHE_SECONDS:
        return kept[1]
    try:
        document = _fetch(url)
    except ProviderUnavailable as error:
        if kept is None:
            raise
        logger.warning("SSO: using the last discovery document: %s", error)
        return kept[1]
    with _lock:
        _documents[url] = (time.monotonic(), document)
    return document


# Provider field -> (the setting that overrides it, its name in the discovery document).
FIELDS = {
    "issuer": ("OIDC_OP_ISSUER", "issuer"),
    "authorization_endpoint": ("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    "token_endpoint": ("OIDC_OP_TOKEN_ENDPOINT", "token_endpoint"),
    "userinfo_endpoint": ("OIDC_OP_USER_ENDPOINT", "userinfo_endpoint"),
    "jwks_endpoint": ("OIDC_OP_JWKS_ENDPOINT", "jwks_uri"),
}


def provider() -> Provider:
    """The provider's issuer and endpoints, or ProviderUnavailable saying why not."""
    url = settings.OIDC_OP_DISCOVERY_URL
    found = _discovery(url) if url else {}
    values: dict[str, str] = {}
    for name, (setting, key) in FIELDS.items():
        value = getattr(settings, setting) or found.get(key)
        values[name] = value if isinstance(value, str) else ""
    # An HS256 token is signed with the client secret: no key set to fetch.
    keyless = settings.OIDC_RP_SIGN_ALGO.startswith("HS")
    needed = [name for name in FIELDS if not (keyless and name == "jwks_endpoint")]
    missing = [name for name in needed if not values[name]]
    if keyless and not settings.OIDC_RP_CLIENT_SECRET:
        missing.append("client secret to check HS256 tokens with")
    if missing:
        raise ProviderUnavailable(MISCONFIGURED, f"the provider gives no {', '.join(missing)}")
    for name in needed:
        if name != "issuer":
            _check_url(name, values[name])
    return Provider(**values)
