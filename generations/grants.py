"""Read grants from the apps above: images a user may see and send as a reference
although they are someone else's.

generations may not import the apps above it, so they answer through a signal: a
receiver gets `user` and returns the tokens (`upload:<id>`, `image:<id>`) that user
may read. presets grants a team's members the reference images of the team's presets
and brand kit. A grant is only ever read access: a thumbnail, an original, a reference
in the user's own generation; never an edit source, a try-on photo or the picker.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.dispatch import Signal

# Receivers: (sender, *, user, **kwargs) -> a collection of tokens.
reference_grants = Signal()


def granted(user: AbstractBaseUser | AnonymousUser, kind: str, pk: int) -> bool:
    """Whether an app above grants `user` read access to `kind` ("upload"/"image") `pk`."""
    if not user.is_authenticated:
        return False
    token = f"{kind}:{pk}"
    return any(token in (tokens or ()) for _, tokens in reference_grants.send(None, user=user))
