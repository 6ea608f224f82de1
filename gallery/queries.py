"""The gallery's questions: which generations a user may browse, filtered, in keyset pages.

Pages are ordered newest first by (created_at, id) and continue *after a cursor* (the
last row shown), never at an OFFSET: page 1,000 costs what page 1 costs, and a
generation that arrives meanwhile can neither repeat nor push a row off a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from generations.models import CatalogEntry, GeneratedImage, Generation
from llmtr import spec as llmtr_spec
from studio.fields import PlausibleDateField
from teams.access import admin_membership, memberships_of

PAGE_SIZE = 48  # divides into rows of 2, 3, 4, 6 and 8 tiles
# What a tile shows (templates/gallery/tile.html): loading less keeps deep pages cheap.
TILE_FIELDS = (
    "id",
    "owner_id",
    "team_id",
    "status",
    "model_id",
    "prompt",
    "favourite",
    "created_at",
)
THUMB_FIELDS = ("id", "generation_id", "index", "thumb_width", "thumb_height", "mime_type")
MAX_SEARCH_TERMS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_CURSOR = re.compile(r"^(\d{1,18})_(\d{1,18})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class GalleryFilters(forms.Form):
    """The filter bar. Everything is optional; a tampered value is dropped, not an error."""

    q = forms.CharField(required=False, max_length=200, label="Search prompts")
    model = forms.CharField(required=False, max_length=200)
    provider = forms.ChoiceField(
        required=False, choices=[("", "Any provider"), *llmtr_spec.PROVIDER_NAMES.items()]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Generation.Kind.choices])
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Generation.Status.choices]
    )
    favourites = forms.BooleanField(required=False, label="Favourites only")
    date_from = PlausibleDateField(required=False, label="From")
    date_to = PlausibleDateField(required=False, label="To")
    scope = forms.ChoiceField(
        required=False, choices=[("", "My images"), ("team", "Whole team")], label="Show"
    )

    def values(self) -> dict:
        """The valid values only (an invalid field counts as not given)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None, False)}


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's creation time (in microseconds) and id."""

    created_at: datetime
    pk: int

    def __str__(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.pk}"

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """None for a missing or tampered marker: that is page one."""
        match = _CURSOR.match(raw or "")
        if match is None:
            return None
        try:
            created = _EPOCH + timedelta(microseconds=int(match.group(1)))
        except OverflowError:
            return None
        return cls(created, int(match.group(2)))

    @classmethod
    def of(cls, generation: Generation) -> Cursor:
        return cls(generation.created_at, generation.pk)


@dataclass
class Page:
    generations: list[Generation]
    next_cursor: Cursor | None


def team_scope_allowed(user: AbstractBaseUser) -> bool:
    return admin_membership(user) is not None


def visible_generations(user: AbstractBaseUser, *, team: bool = False) -> QuerySet[Generation]:
    """The user's own generations or, for a team admin asking for it, the team's."""
    membership = admin_membership(user)
    if team and membership is not None:
        return Generation.objects.filter(team_id=membership.team_id)
    return Generation.objects.filter(owner=user)


def visible_to(user: AbstractBaseUser) -> Q:
    """Generations `user` may see (generations.access.can_view, as a query): their own,
    and every generation of each team they administer, current or not."""
    rule = Q(owner=user)
    admin_of = [m.team_id for m in memberships_of(user) if m.is_admin]
    if admin_of:
        rule |= Q(team_id__in=admin_of)
    return rule


def apply_filters(rows: QuerySet[Generation], values: dict) -> QuerySet[Generation]:
    if values.get("q"):
        rows = search(rows, values["q"])
    for name in ("provider", "kind", "status"):
        if values.get(name):
            rows = rows.filter(**{name: values[name]})
    if values.get("model"):
        rows = rows.filter(model_id=values["model"])
    if values.get("favourites"):
        rows = rows.filter(favourite=True)
    if values.get("date_from"):
        rows = rows.filter(created_at__gte=_day_start(values["date_from"]))
    if values.get("date_to"):
        rows = rows.filter(created_at__lt=_day_start(values["date_to"] + timedelta(days=1)))
    return rows


def search(rows: QuerySet[Generation], text: str) -> QuerySet[Generation]:
    """Every word must match: full-text (with prefixes, so results follow typing) on
    PostgreSQL, where the gen_prompt_search index serves it; icontains on SQLite."""
    words = _WORD.findall(text.lower())[:MAX_SEARCH_TERMS]
    if not words:
        return rows
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        query = SearchQuery(
            " & ".join(f"{w}:*" for w in words), config="english", search_type="raw"
        )
        return rows.alias(prompt_search=SearchVector("prompt", config="english")).filter(
            prompt_search=query
        )
    for word in words:
        rows = rows.filter(prompt__icontains=word)
    return rows


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def gallery_page(
    user: AbstractBaseUser,
    values: dict,
    *,
    after: Cursor | None = None,
    size: int | None = None,
) -> Page:
    """One page of the gallery, after `after`: one query for the rows, one for images."""
    size = size or PAGE_SIZE
    rows = apply_filters(visible_generations(user, team=values.get("scope") == "team"), values)
    if after is not None:
        # `created_at <= c` bounds the index range scan; the OR settles ties on the id.
        rows = rows.filter(created_at__lte=after.created_at).filter(
            Q(created_at__lt=after.created_at) | Q(pk__lt=after.pk)
        )
    rows = rows.order_by("-created_at", "-id").only(*TILE_FIELDS)
    rows = rows.prefetch_related(Prefetch("images", GeneratedImage.objects.only(*THUMB_FIELDS)))
    if values.get("scope") == "team":
        rows = rows.select_related("owner").only(*TILE_FIELDS, "owner__username")
    found = list(rows[: size + 1])
    next_cursor = Cursor.of(found[size - 1]) if len(found) > size else None
    return Page(found[:size], next_cursor)


def model_choices() -> list[tuple[str, str]]:
    """Every model the catalog has known (retired ones too: old images keep theirs)."""
    names = {m.id: m.name for m in llmtr_spec.MODELS}
    names |= dict(CatalogEntry.objects.values_list("model_id", "name"))
    return sorted(names.items(), key=lambda item: item[1].lower())
