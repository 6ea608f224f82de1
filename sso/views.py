"""Company sign-in: the start (off to the provider) and the callback (back with a code).

Both answer 404 while SSO is off. Whatever goes wrong on the way back (a refused
account, a declined consent, a state that does not match, a bad token, a provider that
does not answer) ends on sso/refused.html with a plain sentence and the way back to
the sign-in form, never a 500.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from sso.accounts import SignInRefused
from sso.provider import ProviderUnavailable, provider, sso_enabled

logger = logging.getLogger(__name__)

DECLINED = (
    "You did not allow the studio to use your company account, so you are not signed "
    "in. Try again, or sign in with your studio username and password."
)
PROVIDER_ERROR = (
    "Your company's sign-in service did not sign you in ({error}). Try again, or sign in "
    "with your studio username and password."
)
NOT_VERIFIED = (
    "The sign-in could not be verified: it may have expired, been opened twice, or "
    "started in another browser. Start again from the sign-in page."
)
INCOMPLETE = (
    "The sign-in could not be completed: your company's sign-in service gave an answer "
    "the studio cannot use. Try again, or sign in with your studio username and password."
)


def refused_page(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    heading = "Company sign-in refused" if status == 403 else "Company sign-in failed"
    context = {"heading": heading, "message": message}
    return render(request, "sso/refused.html", context, status=status)


class StartView(OIDCAuthenticationRequestView):
    """Off to the provider, with state, nonce and (by default) a PKCE challenge kept
    in the session by the library."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Company sign-in is off.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except ProviderUnavailable as error:
            logger.warning("SSO: provider unavailable: %s", error)
            return refused_page(request, error.message, status=503)
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Company sign-in is off.")
        try:
            return super().get(request)
        except SignInRefused as refused:
            logger.info("SSO: sign-in refused: %s", refused.message)
            return refused_page(request, refused.message)
        except ProviderUnavailable as error:
            logger.warning("SSO: provider unavailable: %s", error)
            return refused_page(request, error.message, status=503)
        except (SuspiciousOperation, jwt.PyJWTError) as error:
            logger.warning("SSO: sign-in not verified: %s", error)
            return refused_page(request, NOT_VERIFIED, status=400)
        except (requests.RequestException, KeyError) as error:
            # A token answer or key set without a field the library reads is a KeyError.
            logger.warning("SSO: provider answer unusable: %s", type(error).__name__)
            return refused_page(request, INCOMPLETE, status=502)

    def login_failure(self) -> HttpResponse:
        error = self.request.GET.get("error", "")
        if error == "access_denied":
            return refused_page(self.request, DECLINED)
        if error:
            # The provider's own code only, not its description: it is theirs to word.
            code = error[:64] if error.replace("_", "").isalnum() else "an error"
            return refused_page(self.request, PROVIDER_ERROR.format(error=code), status=400)
        return refused_page(self.request, NOT_VERIFIED, status=400)
