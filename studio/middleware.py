"""Headers every response carries. Media views set a stricter policy of their own."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


# No inline script or style anywhere: templates load static files only, so a prompt
# or revised prompt that slipped past escaping still could not run.
def content_security_policy() -> str:
    # Signed media redirects (MEDIA_REDIRECT) load images from the bucket's origin.
    media = f" {settings.MEDIA_ORIGIN}" if settings.MEDIA_REDIRECT else ""
    return (
        f"default-src 'self'; img-src 'self' data: blob:{media}; style-src 'self'; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
        "form-action 'self'"
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response
