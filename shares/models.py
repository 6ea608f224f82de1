"""Share links: a board or one image, opened by anybody who holds the token.

A link names exactly one target and dies with it (the foreign keys cascade), with its
maker's account, and when its maker leaves the team it was made for (shares.signals
revokes it). Whether it still works is read on every request (shares.public), never
cached: expiry, revocation and the target's current contents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from boards.models import Board
from generations.models import GeneratedImage
from teams.models import Team


class ShareLink(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    # secrets.token_urlsafe(32): 43 characters, 256 bits; the URL is the only secret.
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    image = models.ForeignKey(
        GeneratedImage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="share_links",
    )
    expires_at = models.DateTimeField()
    password = models.CharField(max_length=128, blank=True)  # make_password's hash, or ""
    show_prompts = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(board__isnull=False, image__isnull=True))
                | Q(board__isnull=True, image__isnull=False),
                name="share_link_one_target",
            )
        ]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="share_link_team"),
            models.Index(fields=["created_by", "-created_at"], name="share_link_maker"),
        ]

    def __str__(self) -> str:
        return f"share link {self.pk} to {self.target_label}"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.ACTIVE

    @property
    def state_label(self) -> str:
        return self.State(self.state).label

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    @property
    def target_label(self) -> str:
        if self.board is not None:
            return f"board “{self.board.name}”"
        assert self.image is not None  # the constraint: a board or an image, never neither
        return f"image {self.image.index + 1} of generation {self.image.generation_id}"
