"""Deleting generations: the rows in one transaction, the files once it has committed.

A file goes only when no row refers to it any more: seeded rows share a dozen files,
and a rolled-back delete must leave every file in place. Lineage survives: children
keep their page (their `parent` becomes empty) and inputs that used a deleted image
keep their row (their `image` becomes empty).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from audit.log import record
from generations.models import GeneratedImage, Generation, Upload

log = logging.getLogger(__name__)


class NotDeletable(ValueError):
    """Generations that cannot go yet; the message says why."""


def generations_delete(*, user: AbstractBaseUser, ids: Iterable[int]) -> int:
    """Delete the user's own finished generations among `ids`; returns how many.

    Unfinished ones are refused: their budget reservation is settled only when they
    end, and deleting the row would strand it.
    """
    ids = list(ids)
    with transaction.atomic():
        locked = Generation.objects.select_for_update().filter(owner_id=user.pk, pk__in=ids)
        found = dict(locked.values_list("pk", "status"))
        unfinished = sum(status not in Generation.FINISHED for status in found.values())
        if unfinished:
            raise NotDeletable(
                f"{unfinished} of these generations {'is' if unfinished == 1 else 'are'} "
                "still queued or running. Wait until they finish, then delete them."
            )
        names = _file_names(GeneratedImage.objects.filter(generation_id__in=found))
        _audit(user, found)
        Generation.objects.filter(pk__in=found).delete()
        transaction.on_commit(lambda: delete_unreferenced_files(names))
    return len(found)


def _audit(user: AbstractBaseUser, ids: Iterable[int]) -> None:
    """One audit row per team for a bulk delete (its ids), the generation for one."""
    chosen = Generation.objects.filter(pk__in=ids).order_by("pk")
    rows = list(chosen.only("team_id", "model_id", "status"))
    if len(rows) == 1:
        gone = rows[0]
        record(
            action="generation.deleted",
            actor=user,
            target=gone,
            target_label=f"generation {gone.pk} ({gone.model_id})",
            before={"model_id": gone.model_id, "status": gone.status},
        )
        return
    by_team: dict[int | None, list[int]] = {}
    for row in rows:
        by_team.setdefault(row.team_id, []).append(row.pk)
    for team_id, pks in by_team.items():
        record(
            action="generation.bulk_deleted",
            actor=user,
            team_id=team_id,
            target_label=f"{len(pks)} generations",
            before={"ids": pks, "count": len(pks)},
        )


def _file_names(images) -> set[str]:
    names: set[str] = set()
    for original, thumbnail in images.values_list("file", "thumbnail"):
        names.update(n for n in (original, thumbnail) if n)
    return names


def delete_unreferenced_files(names: Iterable[str]) -> int:
    """Remove from storage those of `names` that no image or upload refers to."""
    names = set(names)
    if not names:
        return 0
    in_use = Q(file__in=names) | Q(thumbnail__in=names)
    referenced = _file_names(GeneratedImage.objects.filter(in_use))
    referenced |= _file_names(Upload.objects.filter(in_use))
    removed = 0
    for name in sorted(names - referenced):
        try:
            default_storage.delete(name)
            removed += 1
        except OSError:  # a file already gone, or a storage hiccup: the row is gone anyway
            log.warning("could not delete %s from storage", name, exc_info=True)
    return removed
