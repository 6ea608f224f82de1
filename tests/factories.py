"""Test data, made one way (factory-boy): people, teams and memberships, and a finished
generation with its money in the ledger, as the worker leaves it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from generations.models import Generation
from spend import rollups
from spend.models import LedgerEntry
from teams.access import membership_of
from teams.models import Membership, Team


class UserFactory(DjangoModelFactory):
    """A user whose password is "pw-" + their username."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person-{n}")
    password = factory.LazyAttribute(lambda user: f"pw-{user.username}")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        return model_class.objects.create_user(*args, **kwargs)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(DjangoModelFactory):
    """A user on a team (their own new team unless one is given)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(
        TeamFactory,
        name=factory.LazyAttribute(lambda t: f"{t.factory_parent.user.username}'s team"),
    )
    role = Membership.Role.MEMBER


def member(username: str, *, team: Team | None = None, role: str = "member") -> Any:
    """The user `username`, on `team` (or a new team of their own) with `role`."""
    extra = {"team": team} if team is not None else {}
    return MembershipFactory(user__username=username, role=role, **extra).user


class GenerationFactory(DjangoModelFactory):
    """A generation row as the studio writes it at submit (no money: see finished)."""

    class Meta:
        model = Generation

    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda g: membership_of(g.owner).team)
    kind = Generation.Kind.TEXT
    status = Generation.Status.SUCCEEDED
    model_id = "recraft/recraft-v4"
    provider = factory.LazyAttribute(lambda g: g.model_id.split("/")[0])
    prompt = "a kite over the sea"
    estimated_cost = Decimal("0.04")


def finished(
    user: Any, *, cost: str | None = "0.04", at: datetime | None = None, **fields: Any
) -> Generation:
    """A finished generation with its hold and settlement in the ledger and the rollups,
    at its submit time `at`, as the worker leaves it. `cost=None`: nothing settled."""
    generation = GenerationFactory(
        owner=user,
        estimated_cost=Decimal(cost or "0.04"),
        cost=None if cost is None else Decimal(cost),
        **fields,
    )
    if at is not None:  # created_at is auto_now_add: move it afterwards
        Generation.objects.filter(pk=generation.pk).update(created_at=at)
        generation.created_at = at
    team, model_id = generation.team, generation.model_id
    money = {"generation": generation, "team": team, "user": user, "model_id": model_id}
    money["spent_at"] = generation.created_at
    held = generation.estimated_cost
    LedgerEntry.objects.create(kind=LedgerEntry.Kind.RESERVATION, amount=held, **money)
    cell = {"team_id": team.pk, "user_id": user.pk, "model_id": model_id}
    rollups.add(**cell, at=generation.created_at, submitted=1)
    if cost is not None:
        LedgerEntry.objects.create(
            kind=LedgerEntry.Kind.SETTLEMENT, amount=Decimal(cost), released=held, **money
        )
        rollups.add(**cell, at=generation.created_at, spent=Decimal(cost))
    return generation
