"""`{% sso_button next %}`: the company sign-in button, only while SSO is on. A tag
rather than a context variable so the sign-in view (studio.signin, below every app)
need not know about single sign-on."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from sso.provider import sso_enabled

register = template.Library()


@register.inclusion_tag("sso/_button.html")
def sso_button(next_url: str = "") -> dict:
    if not sso_enabled():
        return {"url": ""}
    url = reverse("oidc_authentication_init")
    if next_url:
        # The library keeps `next` only when it is a safe, same-site address.
        url += "?" + urlencode({"next": next_url})
    return {"url": url, "label": settings.OIDC_BUTTON_LABEL}
