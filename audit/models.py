"""The audit log: one row per consequential action, written and never changed.

Append-only in the app: `save()` refuses to update a stored row, `delete()` raises, and
the default manager's `update()` / `delete()` raise too, so no page, service or admin
action can rewrite history. That is a guard for the code, not a security boundary: the
database user could still UPDATE or DELETE. On PostgreSQL a trigger (migration 0002)
closes that too, except for the one change the app must make: nulling `actor` when a
user is deleted (the username snapshot keeps who it was).

The team is a plain integer, not a foreign key: audit is the bottom layer and imports no
app, and a team's history should outlive the team.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised by any attempt to change or remove an audit row through the app."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    # bulk_update is built on update(); say so plainly rather than relying on it.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit events cannot be changed.")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    team_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    # Who: the link for filtering and a snapshot of the name that survives deletion.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    # What: "app_label.model", the primary key as text, and a readable label.
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # From where.
    ip_address = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["team_id", "-id"], name="audit_team_recent"),
            models.Index(fields=["team_id", "action", "-id"], name="audit_team_action"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "system"
        return f"{self.action} by {who} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")
