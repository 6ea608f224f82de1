"""A member who leaves a team takes the share links they made for it with them: teams
cannot call up into shares, so shares listens for the membership going away."""

from __future__ import annotations

from typing import Any

from shares.services import shares_revoke_made_for
from teams.models import Membership


def revoke_links_of_leaver(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    shares_revoke_made_for(user_id=instance.user_id, team_id=instance.team_id)
