"""The studio user behind a company account: found by issuer + `sub`, made on first
sign-in, kept in step with the claims, placed in a team (sso.placement).

An account is never matched by e-mail: a local account with the same address stays
its owner's, and the company account gets a new user of its own.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.log import record
from sso.models import SsoIdentity
from sso.placement import domain_allowed, email_domain, membership_place

USERNAME_LENGTH = 150


class SignInRefused(Exception):
    """The company account may not sign in here; `message` says why, for the page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _is_false(value: object) -> bool:
    # Some providers send booleans as strings.
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _domain_decides() -> bool:
    """Whether an e-mail domain grants anything here: sign-in, or a team."""
    return bool(settings.OIDC_ALLOWED_DOMAINS or settings.OIDC_TEAM_BY_DOMAIN)


def claims_check(claims: dict) -> str:
    """The e-mail address of claims that may sign in, or SignInRefused."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(
            "Your company account did not share an e-mail address, so the studio cannot "
            "tell who you are. Sign in with your studio username and password, or ask an "
            "admin."
        )
    if _is_false(claims.get("email_verified")):
        raise SignInRefused(
            f"Your company account's e-mail address ({email}) is not verified yet. Verify "
            "it with your company's sign-in service and try again."
        )
    domain = email_domain(email)
    if not domain_allowed(domain):
        raise SignInRefused(
            f"Accounts from {domain} may not sign in to this studio with company sign-in. "
            "Use your studio username and password if you have one, or ask an admin to "
            "allow the domain."
        )
    if _domain_decides() and not _is_true(claims.get("email_verified")):
        if not settings.OIDC_TRUST_UNVERIFIED_EMAIL:
            raise SignInRefused(
                f"Your company sign-in service did not say that {email} is verified, and this "
                "studio decides by e-mail domain who may sign in and which team they join. "
                "Ask an admin, or sign in with your studio username and password."
            )
    return email.strip()


def username_from(email: str) -> str:
    """The part before the @, lower-cased, kept to the characters Django allows."""
    base = re.sub(r"[^\w.@+-]", "", email.partition("@")[0].lower())[: USERNAME_LENGTH - 8]
    return base or "user"


def _user_create(*, email: str, claims: dict) -> User:
    """A new user named after the e-mail, with a number added when the name is taken.
    No password: a company account signs in only through the provider."""
    User = get_user_model()
    base = username_from(email)
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}-{n}"
        if User.objects.filter(username__iexact=candidate).exists():
            continue
        try:
            with transaction.atomic():
                return User.objects.create_user(
                    candidate,
                    email=email,
                    first_name=str(claims.get("given_name") or "")[:150],
                    last_name=str(claims.get("family_name") or "")[:150],
                )
        except IntegrityError:
            continue  # taken between the check and the insert
    raise SignInRefused("No username could be made for your account: ask an admin.")


def _user_update(user: User, *, email: str, claims: dict) -> None:
    """The provider is the source of truth for these, as of each sign-in."""
    fields = {
        "email": email,
        "first_name": str(claims.get("given_name") or user.first_name)[:150],
        "last_name": str(claims.get("family_name") or user.last_name)[:150],
    }
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if changed:
        user.save(update_fields=changed)


def sso_signin(*, issuer: str, claims: dict, request: HttpRequest | None = None) -> User:
    """The user for these verified claims: found, or made and placed in a team.
    SignInRefused when the account may not sign in (the page shows its message)."""
    email = claims_check(claims)
    subject = str(claims["sub"])
    with transaction.atomic():
        identity = (
            SsoIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        created = identity is None
        if identity is None:
            user = _user_create(email=email, claims=claims)
            try:
                with transaction.atomic():
                    identity = SsoIdentity.objects.create(
                        user=user, issuer=issuer, subject=subject, email=email
                    )
            except IntegrityError:
                # The same account's first sign-in, twice at once: the other one won.
                raise SignInRefused(
                    "Your first sign-in is still being set up: try again in a moment."
                ) from None
        user = identity.user
        if not user.is_active:
            raise SignInRefused(
                "Your studio account is switched off. Ask an admin to switch it back on."
            )
        if not created:
            _user_update(user, email=email, claims=claims)
        identity.email = email
        identity.last_login = timezone.now()
        identity.save(update_fields=["email", "last_login"])
        placed = membership_place(user=user, claims=claims)
        record(
            action="sso.signin",
            actor=user,
            team_id=placed.team_id,
            target=user,
            target_label=user.get_username(),
            before={"role": placed.before_role} if placed.before_role else None,
            after={
                "created": created,
                "email": email,
                "issuer": issuer,
                "team": placed.team_name or None,
                "role": placed.role or None,
            },
            request=request,
        )
    return user
