"""Who signed in through the company's identity provider, and as which studio user."""

from django.conf import settings
from django.db import models


class SsoIdentity(models.Model):
    """One provider account (issuer + `sub`) tied to the studio user it created.

    Users are matched by this pair, never by e-mail: an e-mail address can be re-used
    or chosen at some providers, and matching on it would hand an existing account to
    whoever signs in with the same address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    # The address the provider gave at the last sign-in, for admins to read.
    email = models.EmailField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_once"),
        ]
        verbose_name_plural = "SSO identities"

    def __str__(self) -> str:
        return f"{self.email or self.subject} at {self.issuer}"
