"""Personal API tokens and the Idempotency-Keys of the requests made with them.

A token is shown once, when it is made; the studio keeps only its prefix (to find
the row and to show which token is which) and the sha256 of the whole token. The
secret is 256 random bits, so a plain hash is as good as a slow one here and keeps
every request's check cheap.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from generations.models import Generation
from teams.models import Team

NAME_LIMIT = 80


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read (models, generations, gallery, boards, presets, runs)"
        GENERATE = "generate", "Generate (spends from your budget)"
        MANAGE_BOARDS = "manage_boards", "Manage boards (add images to boards)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # The team the user worked in when the token was made: the token acts in it, and
    # that team's admins see and revoke it.
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    name = models.CharField(max_length=NAME_LIMIT)
    prefix = models.CharField(max_length=24, unique=True)  # "st_ab12cd34ef": not a secret
    secret_hash = models.CharField(max_length=64)  # sha256 hex of the whole token
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["team", "-created_at"], name="api_token_team")]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_prefix})"

    @property
    def shown_prefix(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def scope_labels(self) -> list[str]:
        return [self.Scope(s).label.split(" (")[0] for s in self.scopes if s in self.Scope.values]


class IdempotencyKey(models.Model):
    """A create request made with an Idempotency-Key: the first answer, kept so that a
    retry with the same key and body gets it again instead of a second generation.
    The row is written in the same transaction as the generation, and the unique
    constraint makes concurrent retries wait for (then replay) the first."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=40)
    request_hash = models.CharField(max_length=64)
    # Filled in the transaction that inserted the row, so no other request sees it empty.
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    generation = models.ForeignKey(
        Generation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} of token {self.token_id}"
