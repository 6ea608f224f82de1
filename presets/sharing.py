"""Team-wide reference images: what a team's presets and brand kit let its members read.

A team preset or the brand kit carries reference images that belong to the admin who
set them. Every member of that team may see them and send them as references in their
own generations, and nothing else of the admin's. generations asks through its
`reference_grants` signal (it may not import presets); the grant follows the presets:
a reference taken out of every team preset and the kit is no longer shared.
"""

from __future__ import annotations

from presets.models import BrandKit, Preset
from teams.access import team_id_of


def normal_token(token: str) -> str:
    """`upload:007` -> `upload:7`; anything that is not an upload or image token -> ""
    (an id of more than 18 digits is no row's: a database integer holds fewer)."""
    kind, _, raw_id = token.strip().partition(":")
    digits = raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18
    if kind not in ("upload", "image") or not digits:
        return ""
    return f"{kind}:{int(raw_id)}"


def shared_reference_tokens(team_id: int) -> set[str]:
    """Every reference of the team's presets and of its brand kit (two queries)."""
    lists = [*Preset.objects.filter(team_id=team_id).values_list("references", flat=True)]
    lists += BrandKit.objects.filter(team_id=team_id).values_list("references", flat=True)
    return {normal for tokens in lists for t in tokens if (normal := normal_token(t))}


# Where the grant is kept once read: a request's user is a fresh object, so this is a
# per-request cache (a page checks several references, each asking again).
_CACHE = "_shared_reference_tokens"


def grant_team_references(sender: object, *, user, **kwargs: object) -> set[str]:
    """The `reference_grants` receiver: the shared references of the user's current team."""
    team_id = team_id_of(user)
    if team_id is None:
        return set()
    cached = getattr(user, _CACHE, None)
    if cached is None or cached[0] != team_id:
        cached = (team_id, shared_reference_tokens(team_id))
        setattr(user, _CACHE, cached)
    return cached[1]
