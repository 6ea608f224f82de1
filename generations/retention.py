"""Retention: a team may keep the originals of its generated images for N days only.

Once a day (beat: `generations.tasks.archive_originals`) `originals_archive` finds, for
each team with a rule (`Team.keep_originals_days`), the images whose generation was
created more than N days ago and whose original is still stored. Each one is marked
archived (`archived_at`, the rule's N) and its `file` emptied in one short
transaction; the files go from storage once that has committed, and only those no
other row still uses (generations.deletion, the one place that removes files).
What stays: the row (sha256, pixel size, type, byte size), the thumbnail, the
generation with its settings (`params`, `request_body`) and lineage (`parent`,
inputs), so "Reuse settings" can make it again.

Uploads are not archived: they are the inputs a reused generation is sent with (the
try-on person and garment, references, edit sources), they are small re-encoded
photos, and the storage figures on the dashboard show what they weigh.

Safe to repeat and to run twice at once: rows are taken with FOR UPDATE SKIP LOCKED
(PostgreSQL; SQLite runs one writer at a time) and updated only while still not
archived, so an image is archived once; a second run finds nothing to do. Work is
bounded: batches of `batch_size`, walking the ids upwards, at most `max_batches` per
team and run (the rest waits for the next day).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format

from generations.deletion import delete_unreferenced_files
from generations.models import GeneratedImage, Generation
from teams.models import Team

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_BATCHES = 2000  # a million images per team and day


@dataclass(frozen=True)
class TeamArchived:
    team_id: int
    keep_days: int
    images: int


def originals_archive(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int = MAX_BATCHES,
) -> list[TeamArchived]:
    """Archive every team's originals older than its rule; what was done, per team."""
    now = now or timezone.now()
    rules = Team.objects.filter(keep_originals_days__isnull=False).order_by("pk")
    done = []
    for team_id, keep_days in rules.values_list("pk", "keep_originals_days"):
        if keep_days is None:  # removed since the query started
            continue
        count = team_originals_archive(
            team_id=team_id,
            keep_days=keep_days,
            now=now,
            batch_size=batch_size,
            max_batches=max_batches,
        )
        if count:
            log.info("archived %d originals of team %d (rule: %d days)", count, team_id, keep_days)
        done.append(TeamArchived(team_id, keep_days, count))
    return done


def team_originals_archive(
    *,
    team_id: int,
    keep_days: int,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    max_batches: int = MAX_BATCHES,
) -> int:
    """Archive one team's originals made before now - keep_days, except those an
    unfinished generation is still to be sent with."""
    cutoff = now - timedelta(days=keep_days)
    archived, after = 0, 0
    for _ in range(max_batches):
        count, last = _archive_batch(
            team_id=team_id, cutoff=cutoff, now=now, keep_days=keep_days, after=after,
            size=batch_size,
        )  # fmt: skip
        archived += count
        if last is None:
            break
        after = last
    return archived


def _archive_batch(
    *, team_id: int, cutoff: datetime, now: datetime, keep_days: int, after: int, size: int
) -> tuple[int, int | None]:
    """Archive up to `size` images with ids above `after`; (how many, the last id seen),
    the id None when there were none left."""
    with transaction.atomic():
        rows = list(
            GeneratedImage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                generation__team_id=team_id,
                # The image's own age: a generation that waited days for an approval
                # keeps its new images their N days.
                created_at__lt=cutoff,
                archived_at__isnull=True,
                pk__gt=after,
            )
            # Not while an unfinished generation is to be sent with it as an input.
            .exclude(
                used_in__generation__status__in=[
                    s for s in Generation.Status.values if s not in Generation.FINISHED
                ]
            )
            .order_by("pk")
            .values_list("pk", "file")[:size]
        )
        if not rows:
            return 0, None
        ids = [pk for pk, _ in rows]
        count = GeneratedImage.objects.filter(pk__in=ids, archived_at__isnull=True).update(
            archived_at=now, archived_after_days=keep_days, file=""
        )
        names = {name for _, name in rows if name}
        # Files go once the rows say so: a rollback leaves every original in place.
        transaction.on_commit(lambda: delete_unreferenced_files(names))
    return count, ids[-1]


def archived_notice(image: GeneratedImage) -> str:
    """What a page says where an archived original was."""
    if image.archived_at is None:
        return ""
    day = date_format(timezone.localtime(image.archived_at), "j M Y")
    days = image.archived_after_days
    rule = f" ({days} day{'s' if days != 1 else ''})" if days else ""
    return f"Original archived on {day} by the team's retention rule{rule}."
