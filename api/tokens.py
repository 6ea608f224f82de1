"""Personal API tokens: made (shown once), checked on every request, revoked.

    token_create    a new token for the user, in their current team; the audit log
                    records it ("token.created")
    token_revoke    by its owner or an admin of its team ("token.revoked")
    token_check     the token a request's bearer value names, or TokenRefused with
                    the sentence to answer (401)
    token_touch     last used time and address, written at most once a minute

A token is `st_<10 hex>_<secret>`: the first 13 characters are its prefix (stored,
unique, shown in lists), the whole string is hashed. A request acts as the token's
user in the team the token was made for.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format

from api.models import ApiToken
from audit.log import record
from studio.signin import client_address
from teams.access import memberships_of, team_of

PREFIX_START = "st_"
_TOKEN = re.compile(r"^(st_[0-9a-f]{10})_[A-Za-z0-9_-]{40,64}$")
# A busy script would otherwise write its token's row on every request.
TOUCH_EVERY = timedelta(minutes=1)

NOT_VALID = (
    "This API token is not valid: check that it was copied whole, or make a new one on "
    "your account page (API tokens)."
)


class TokenRefused(Exception):
    """A bearer value that authenticates nobody; the message says why (a 401)."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token: shown once, never stored


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _summary(token: ApiToken) -> dict:
    return {
        "name": token.name,
        "token_prefix": token.prefix,
        "token_scopes": list(token.scopes),
        "expires_at": token.expires_at,
        "user_id": token.user_id,
    }


def token_create(
    *,
    user: AbstractBaseUser,
    name: str,
    scopes: list[str],
    expires_at: datetime,
    request: HttpRequest | None = None,
) -> NewToken:
    team = team_of(user)
    for _ in range(3):  # a prefix taken already (2^-40 a try) gets a fresh one
        prefix = f"{PREFIX_START}{secrets.token_hex(5)}"
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    team=team,
                    name=name,
                    prefix=prefix,
                    secret_hash=digest(secret),
                    scopes=[s for s in ApiToken.Scope.values if s in scopes],
                    expires_at=expires_at,
                )
                record(
                    action="token.created",
                    actor=user,
                    team_id=token.team_id,
                    target=token,
                    after=_summary(token),
                    request=request,
                )
        except IntegrityError:
            continue
        return NewToken(token, secret)
    raise RuntimeError("could not find a free token prefix")


def token_revoke(
    *, token: ApiToken, by: AbstractBaseUser, request: HttpRequest | None = None
) -> bool:
    """Revoke `token` now; False when it was revoked already (nothing recorded)."""
    now = timezone.now()
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=now, revoked_by=by
        )
        if changed:
            token.revoked_at, token.revoked_by = now, by
            record(
                action="token.revoked",
                actor=by,
                team_id=token.team_id,
                target=token,
                before={"revoked_at": None},
                after={**_summary(token), "revoked_at": now},
                request=request,
            )
    return bool(changed)


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def token_check(raw: str) -> ApiToken:
    """The live token `raw` is, with its user; else TokenRefused. Unknown and wrong
    secrets read the same, so a guess learns nothing; expiry and revocation are told
    only to whoever holds the whole token."""
    match = _TOKEN.match(raw.strip())
    if match is None:
        raise TokenRefused(NOT_VALID)
    token = ApiToken.objects.select_related("user", "team").filter(prefix=match.group(1)).first()
    if token is None or not hmac.compare_digest(token.secret_hash, digest(raw.strip())):
        raise TokenRefused(NOT_VALID)
    if token.revoked_at is not None:
        raise TokenRefused(
            f"This API token was revoked on {_day(token.revoked_at)}. Make a new one on your "
            "account page (API tokens)."
        )
    if token.is_expired:
        raise TokenRefused(
            f"This API token expired on {_day(token.expires_at)}. Make a new one on your "
            "account page (API tokens)."
        )
    if not token.user.is_active:
        raise TokenRefused("The account this API token belongs to is turned off.")
    _act_in_team(token)
    return token


def _act_in_team(token: ApiToken) -> None:
    """Make the token's team the user's current one for this request only (nothing is
    saved): a token made for one team spends that team's budget, whatever team its
    user has switched to in the browser since."""
    rows = memberships_of(token.user)
    if token.team_id is None:
        return
    if not any(m.team_id == token.team_id for m in rows):
        raise TokenRefused(
            f"This API token was made for the team “{token.team}”, which you are no longer "
            "on. Make a new one on your account page (API tokens)."
        )
    for membership in rows:  # the per-request cache teams.access reads
        membership.current = membership.team_id == token.team_id


def token_touch(token: ApiToken, request: HttpRequest) -> None:
    """Note when and from where the token was used, at most once a minute."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    address = _address(request)
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at=None) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ).update(last_used_at=now, last_used_ip=address)
    token.last_used_at, token.last_used_ip = now, address


def _address(request: HttpRequest) -> str | None:
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:  # a proxy's header that names no address: keep the time only
        return None


def tokens_of(user: AbstractBaseUser):
    return ApiToken.objects.filter(user=user).select_related("team", "revoked_by")


def team_tokens(team_id: int):
    return ApiToken.objects.filter(team_id=team_id).select_related("user", "revoked_by")
