"""A team's generations and their originals, as one zip (manage.py export_team).

The zip holds:

- `originals/<generation id>-<index>.<ext>`: every original still in storage;
- `generations.jsonl`: one JSON object per generation of the team, oldest first: its
  id, created_at (ISO 8601), owner (username), model_id, kind, status, prompt,
  params, request_body (exactly as sent), cost (a decimal string, or null when
  nothing was settled; Generation.cost is kept in step with the ledger's
  settlements), estimated_cost, parent_id (lineage), comparison_id, error_type,
  error_message, and its images: index, file (the path in the zip; null when the
  original was archived by the retention rule or is missing from storage), sha256,
  width, height, mime_type, bytes, archived_at, missing.

Streamed, whatever the team's size: generations are read with .iterator() (their
images prefetched per chunk), each original is copied in 256 KB pieces, and the JSON
lines wait in a temporary file that joins the zip last (a zip is written one member
at a time). The zip is written beside its destination and renamed into place when
complete, so a failed export leaves nothing under the name asked for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.utils import timezone

from gallery.bulk import zip_name
from generations.models import GeneratedImage, Generation
from generations.zips import zip_entry
from studio.http import whole_number
from teams.models import Team

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
ROWS = 500  # generations per query (and per prefetch of their images)
JSONL = "generations.jsonl"


class ExportProblem(Exception):
    """An export that cannot be made; the message says why."""


@dataclass
class ExportSummary:
    generations: int = 0
    originals: int = 0
    original_bytes: int = 0
    archived: int = 0
    missing: int = 0
    changed: int = 0  # stored bytes whose sha256 no longer matches the row


def find_team(ref: str) -> Team:
    """The team with this id, or else this name (any case)."""
    ref = ref.strip()
    pk = whole_number(ref)
    if pk is not None and (team := Team.objects.filter(pk=pk).first()) is not None:
        return team
    ids = list(Team.objects.filter(name__iexact=ref).order_by("pk").values_list("pk", flat=True))
    if len(ids) == 1:
        return Team.objects.get(pk=ids[0])
    if ids:
        listed = ", ".join(str(pk) for pk in ids[:10])
        raise ExportProblem(f"{len(ids)} teams are called “{ref}”: give the id instead ({listed}).")
    raise ExportProblem(f"No team has the id or name “{ref}”.")


def team_export(*, team: Team, out: Path) -> ExportSummary:
    """Write the team's export to `out` (replaced if it exists)."""
    out = Path(out)
    if out.is_dir():
        raise ExportProblem(f"{out} is a folder: give the path of the zip file to write.")
    try:
        # Closed, then renamed into place or removed, below.
        partial = tempfile.NamedTemporaryFile(
            dir=out.parent, prefix=f".{out.name}.", suffix=".partial", delete=False
        )
    except OSError as exc:
        raise ExportProblem(f"Cannot write {out}: {exc.strerror or exc}.") from None
    try:
        with partial, zipfile.ZipFile(partial, mode="w", allowZip64=True) as archive:
            summary = _write(archive, team)
        os.replace(partial.name, out)
    except BaseException:
        Path(partial.name).unlink(missing_ok=True)
        raise
    return summary


def _write(archive: zipfile.ZipFile, team: Team) -> ExportSummary:
    summary = ExportSummary()
    with tempfile.TemporaryFile() as lines:
        for generation in _generations(team):
            images = [_image(archive, image, summary) for image in generation.images.all()]
            lines.write(json.dumps(_record(generation, images), ensure_ascii=False).encode())
            lines.write(b"\n")
            summary.generations += 1
        _add_file(archive, JSONL, lines)
    return summary


def _generations(team: Team) -> Iterator[Generation]:
    images = GeneratedImage.objects.order_by("index")
    return (
        Generation.objects.filter(team=team)
        .select_related("owner")
        .prefetch_related(Prefetch("images", queryset=images))
        .order_by("pk")
        .iterator(chunk_size=ROWS)
    )


def _record(generation: Generation, images: list[dict[str, Any]]) -> dict[str, Any]:
    cost = generation.cost
    return {
        "id": generation.pk,
        "created_at": generation.created_at.isoformat(),
        "owner": generation.owner.get_username(),
        "model_id": generation.model_id,
        "kind": generation.kind,
        "status": generation.status,
        "prompt": generation.prompt,
        "params": generation.params,
        "request_body": generation.request_body,
        "cost": None if cost is None else format(cost, "f"),
        "estimated_cost": format(generation.estimated_cost, "f"),
        "parent_id": generation.parent_id,
        "comparison_id": generation.comparison_id,
        "error_type": generation.error_type,
        "error_message": generation.error_message,
        "images": images,
    }


def _image(
    archive: zipfile.ZipFile, image: GeneratedImage, summary: ExportSummary
) -> dict[str, Any]:
    path = None
    missing = False
    if image.is_archived:
        summary.archived += 1
    else:
        path = f"originals/{zip_name(image)}"
        missing = not _add_original(archive, image, path, summary)
        path = None if missing else path
    return {
        "index": image.index,
        "file": path,
        "sha256": image.sha256,
        "width": image.width,
        "height": image.height,
        "mime_type": image.mime_type,
        "bytes": image.bytes,
        "archived_at": image.archived_at.isoformat() if image.archived_at else None,
        "missing": missing,
    }


def _add_original(
    archive: zipfile.ZipFile, image: GeneratedImage, path: str, summary: ExportSummary
) -> bool:
    """Copy the original into the zip; False when storage no longer has it."""
    try:
        source = default_storage.open(str(image.file.name), "rb")
    except FileNotFoundError:
        log.warning("export: %s is missing from storage", image.file.name)
        summary.missing += 1
        return False
    digest = hashlib.sha256()
    large = image.bytes >= zipfile.ZIP64_LIMIT
    with source, archive.open(zip_entry(image, path), "w", force_zip64=large) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != image.sha256:
        log.warning("export: %s does not match its recorded sha256", image.file.name)
        summary.changed += 1
    summary.originals += 1
    summary.original_bytes += image.bytes
    return True


def _add_file(archive: zipfile.ZipFile, name: str, source: IO[bytes]) -> None:
    large = source.tell() >= zipfile.ZIP64_LIMIT
    source.seek(0)
    info = zipfile.ZipInfo(name, date_time=_now_for_zip())
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=large) as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)


def _now_for_zip() -> tuple[int, int, int, int, int, int]:
    now: datetime = timezone.localtime()
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)
