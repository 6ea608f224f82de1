"""`record()`: the one way to write an audit event.

Call it at the point of the change, inside the caller's transaction, so a rolled-back
action leaves no row. "From where" comes from `request` if given, else from the
context the middleware sets for the current request (audit.middleware), so services
deep down need no request. Outside a request (Celery, shell) it is left blank.

`actor` None means the system did it. A service that is not handed the user who acts
(member_set_role is given a team and a user id) passes `actor=request_actor()`: the
signed-in user of the request being served, None in a worker.
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest

from audit.models import AuditEvent
from studio.signin import client_address

# The request being served, set by AuditContextMiddleware for its length.
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)

REDACTED = "[redacted]"
# A key naming a secret is redacted whatever the caller passed; names that merely
# describe one ("token_name", "secret_rotated_at") are kept.
_SECRET_WORDS = re.compile(r"secret|token|password|passwd|api_?key|signature|credential", re.I)
_SAFE_SUFFIXES = ("_id", "_ids", "_name", "_prefix", "_hint", "_at", "_count", "_scopes")
_SAFE_PREFIXES = ("has_", "is_")
UA_LENGTH = 255
LABEL_LENGTH = 200


def origin_of(request: HttpRequest) -> tuple[str, str]:
    agent = request.META.get("HTTP_USER_AGENT", "")[:UA_LENGTH]
    return client_address(request)[:64], agent


def request_actor() -> User | None:
    """The signed-in user of the request being served, or None (a worker, a shell, an
    anonymous visitor)."""
    request = current_request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    if lowered.startswith(_SAFE_PREFIXES) or lowered.endswith(_SAFE_SUFFIXES):
        return False
    return bool(_SECRET_WORDS.search(lowered))


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): REDACTED if _is_secret(str(k)) else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def snapshot(data: dict | None) -> dict | None:
    """A JSON-safe, redacted copy: Decimals and dates become strings."""
    if data is None:
        return None
    return _redact(json.loads(json.dumps(data, cls=DjangoJSONEncoder)))


def record(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    team_id: int | None = None,
    target: Any = None,
    target_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one audit event. `actor` None means the system did it. `team_id` defaults
    to the target's own `team_id` when it has one."""
    request = request if request is not None else current_request.get()
    address, agent = origin_of(request) if request is not None else ("", "")
    if actor is not None and not actor.is_authenticated:
        actor = None  # an AnonymousUser is nobody: the system
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = "" if target.pk is None else str(target.pk)  # None: already deleted
        target_label = target_label or str(target)
        if team_id is None:
            team_id = getattr(target, "team_id", None)
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_username=actor.get_username() if actor is not None else "",
        team_id=team_id,
        target_type=target_type,
        target_id=target_id[:64],
        target_label=target_label[:LABEL_LENGTH],
        before=snapshot(before),
        after=snapshot(after),
        ip_address=address,
        user_agent=agent,
    )
