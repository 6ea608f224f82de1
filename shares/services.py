"""Share links: made, revoked, viewed. Keyword-only actions named for what they do;
a broken rule raises ShareProblem with the sentence the page shows."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.log import record, request_actor
from boards.models import Board
from generations.models import GeneratedImage
from shares.access import may_share
from shares.models import ShareLink
from teams.access import team_id_of

MAX_DAYS = 365  # the longest a link may last
PASSWORD_MIN = 6
PASSWORD_MAX = 128


class ShareProblem(ValueError):
    """A link the studio will not make; the message says what to do instead."""


def end_of_day(day: date) -> datetime:
    """The last moment of `day` in the studio's time zone: a link "until 12 May"
    still works all of 12 May."""
    return timezone.make_aware(datetime.combine(day, time.max))


def latest_expiry() -> datetime:
    return end_of_day(timezone.localdate() + timedelta(days=MAX_DAYS))


@transaction.atomic
def share_create(
    *,
    user: AbstractBaseUser,
    board: Board | None = None,
    image: GeneratedImage | None = None,
    expires_at: datetime,
    password: str = "",
    show_prompts: bool = False,
) -> ShareLink:
    if (board is None) == (image is None):
        raise ShareProblem("Share either a board or an image.")
    if not may_share(user, board=board, image=image):
        raise ShareProblem("Only whoever may manage this can share it.")
    if expires_at <= timezone.now():
        raise ShareProblem("The expiry must be in the future.")
    if expires_at > latest_expiry():
        raise ShareProblem(f"A link can last at most {MAX_DAYS} days: choose an earlier date.")
    if password and not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ShareProblem(
            f"A password needs {PASSWORD_MIN} to {PASSWORD_MAX} characters, or leave it empty."
        )
    link = ShareLink.objects.create(
        token=secrets.token_urlsafe(32),
        created_by=user,
        team_id=_team_of_target(board, image) or team_id_of(user),
        board=board,
        image=image,
        expires_at=expires_at,
        password=make_password(password) if password else "",
        show_prompts=show_prompts,
    )
    terms = {"expires_at": expires_at, "has_password": bool(password), "show_prompts": show_prompts}
    record(action="share.created", actor=user, target=link, after=terms)
    return link


def _team_of_target(board: Board | None, image: GeneratedImage | None) -> int | None:
    """The team the shared thing belongs to, not the sharer's current one: its admins
    see the link, and it dies when the sharer leaves that team."""
    if board is not None:
        return board.team_id
    return image.generation.team_id if image is not None else None


@transaction.atomic
def share_revoke(*, link: ShareLink) -> bool:
    """Stop the link now. False when it had been revoked already (nothing changes)."""
    now = timezone.now()
    changed = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now)
    if changed:
        link.revoked_at = now
        record(
            action="share.revoked",
            actor=request_actor(),
            target=link,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )
    return bool(changed)


@transaction.atomic
def shares_revoke_made_for(*, user_id: int, team_id: int) -> int:
    """Revoke every link `user_id` made for `team_id` (they have left the team)."""
    links = ShareLink.objects.filter(created_by_id=user_id, team_id=team_id, revoked_at=None)
    revoked = links.update(revoked_at=timezone.now())
    if revoked:
        record(
            action="share.revoked",
            actor=request_actor(),
            team_id=team_id,
            target_label=f"{revoked} links made by a member who left",
            after={"count": revoked, "made_by_id": user_id},
        )
    return revoked


def share_view_record(*, link: ShareLink) -> None:
    """One more view: one UPDATE, so simultaneous views all count."""
    now = timezone.now()
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)


def share_password_matches(*, link: ShareLink, password: str) -> bool:
    return bool(link.password) and check_password(password, link.password)
