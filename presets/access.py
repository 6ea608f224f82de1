"""Who may see and change a preset: the one rule, applied by every preset view.

A personal preset is its owner's alone (not even their team admins see it: it is a
tool, not a result). A team preset is visible to every member of its team and
editable by its admins only. Anybody else gets a 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from presets.models import Preset
from teams.access import is_team_admin, team_id_of


def visible_presets(user) -> QuerySet[Preset]:
    mine = Q(owner=user, team__isnull=True)
    team_id = team_id_of(user)
    return Preset.objects.filter(mine | Q(team_id=team_id) if team_id else mine)


def may_edit(user, preset: Preset) -> bool:
    if preset.team_id is None:
        return preset.owner_id == user.pk
    return is_team_admin(user, preset.team_id)


def get_preset_for_user(user, pk: int, *, edit: bool = False) -> Preset:
    preset = visible_presets(user).filter(pk=pk).first()
    if preset is None or (edit and not may_edit(user, preset)):
        raise Http404("No such preset.")
    return preset
