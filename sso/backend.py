"""The authentication backend for company sign-in (mozilla-django-oidc's, adapted).

Changes to the library's behaviour, and why:
- It acts only on the callback view's call (which carries the nonce the view matched
  to the state) and only while SSO is on: Django asks every backend at every password
  sign-in, and the library's backend would trade any `code` in a query string.
- The endpoints are read from sso.provider at sign-in, not at construction, so a
  provider that is down never touches password sign-in.
- The ID token's issuer and audience are checked (the library checks neither).
- Users are found by issuer + `sub` (sso.accounts), never by e-mail.
- A token without a `kid` is checked with the provider's only signing key (allowed by
  OpenID Connect Core 10.1; the library fails on it with a KeyError).
- An inactive user's session ends, as with Django's ModelBackend.
"""

from __future__ import annotations

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sso.accounts import sso_signin
from sso.provider import provider, sso_enabled


class SsoBackend(OIDCAuthenticationBackend):
    issuer = ""

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        found = provider()  # ProviderUnavailable: the callback view shows its message
        self.issuer = found.issuer
        self.OIDC_OP_TOKEN_ENDPOINT = found.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = found.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = found.jwks_endpoint
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss") != self.issuer:
            raise SuspiciousOperation(f"ID token issuer {payload.get('iss')!r} is not ours")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token is not meant for this client")
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token was issued to another party")
        if not payload.get("sub"):
            raise SuspiciousOperation("ID token has no subject")
        return payload

    def retrieve_matching_jwk(self, token):
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        keys = response.json().get("keys")
        header = jwt.get_unverified_header(token)
        candidates = [
            key
            for key in (keys if isinstance(keys, list) else [])
            if isinstance(key, dict)
            and key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
        ]
        if "kid" in header:
            candidates = [key for key in candidates if key.get("kid") == header["kid"]]
        if len(candidates) != 1:
            raise SuspiciousOperation("no single signing key matches the ID token")
        return jwt.PyJWK(candidates[0])

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload["sub"]:
            # OpenID Connect Core 5.3.2: userinfo about anyone else is not to be used.
            raise SuspiciousOperation("userinfo is about another subject")
        claims = {**payload, **userinfo}
        return sso_signin(issuer=self.issuer, claims=claims, request=self.request)

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
