"""Teams and who is on them: the bottom of the app layers (see .importlinter)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

# The retention rule's bounds, in whole days: at least a day, at most ten years.
KEEP_ORIGINALS_MIN = 1
KEEP_ORIGINALS_MAX = 3650


class Team(models.Model):
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    # A member's generation estimated above this waits for an admin's approval, its
    # estimate held against the budgets meanwhile. Empty: nothing waits.
    approval_above = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # Originals of the team's generated images older than this many days are removed
    # from storage once a day (generations/retention.py); thumbnails, settings and
    # lineage stay. Empty: originals are kept forever.
    keep_originals_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(KEEP_ORIGINALS_MIN), MaxValueValidator(KEEP_ORIGINALS_MAX)],
    )

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a team. A user may be on several teams; the `current` one is
    the team they work for now (teams.access.membership_of), the rest wait in the
    header's switcher."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    # At most one per user (the constraint below). None marked, as after leaving the
    # current team, reads as the earliest membership being current.
    current = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_once_per_team"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(current=True), name="membership_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class TeamInvite(models.Model):
    """A link that lets whoever holds it join `team` with `role`: the way to bring in
    someone who already has an account (adding by username cannot reach them)."""

    # secrets.token_urlsafe(32): 43 characters, 256 bits; the URL is the only secret.
    token = models.CharField(max_length=64, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)  # empty: no limit
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"invite {self.pk} to {self.team}"

    @property
    def problem(self) -> str:
        """Why the link no longer works, or "" while it does."""
        if self.revoked_at is not None:
            return "This invite link was revoked by a team admin."
        if self.expires_at <= timezone.now():
            return "This invite link has expired."
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "This invite link has been used as many times as it allows."
        return ""
