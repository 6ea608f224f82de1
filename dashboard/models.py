"""The team admin's own records."""

from django.db import models


class GatewayCheck(models.Model):
    """One "does the gateway key work?" check, asked for by a team admin and run by a
    worker. State lives on the row: the dashboard reads it, never a Celery result."""

    class Status(models.TextChoices):
        PENDING = "pending", "Checking"
        OK = "ok", "Key works"
        FAILED = "failed", "Key refused or gateway unreachable"

    requested_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)  # scrubbed of the key before it is saved
    models_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "teams_gatewaycheck"  # kept from before the move: no data moved
        ordering = ("-requested_at", "-id")

    def __str__(self) -> str:
        return f"gateway check {self.pk} ({self.status})"
