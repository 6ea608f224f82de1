"""Teams and who is on them: the bottom of the app layers (see .importlinter)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

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
    """A user's place in a team. One team per user keeps ownership questions simple."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN
