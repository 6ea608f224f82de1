"""What the team pages read about invite links."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from teams.models import Team, TeamInvite


def open_invites(team: Team) -> QuerySet[TeamInvite]:
    """The team's links that are neither revoked nor expired (used-up ones included, so
    an admin sees why a link stopped working)."""
    rows = TeamInvite.objects.filter(team=team, revoked_at__isnull=True)
    return rows.filter(expires_at__gt=timezone.now()).select_related("created_by")
