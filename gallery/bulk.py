"""Actions on many generations at once: a zip of their originals, favourites.
(Deleting, one or many, is generations.deletion.) Originals the team's retention rule
archived are left out of a zip, and a note in it names them.

The zip is written while it is sent: zipfile writes into a small buffer that the
response generator empties after every chunk, so an archive of gigabytes needs a few
hundred kilobytes of memory, whatever the number of images.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db.models import QuerySet

from gallery.queries import visible_to
from generations.models import GeneratedImage, Generation
from generations.retention import archived_notice

MAX_SELECTION = 2000
ARCHIVED_NOTE = "ARCHIVED-ORIGINALS.txt"
ALL_ARCHIVED = (
    "The originals of these images were archived by your team's retention rule: only "
    "their thumbnails and settings are kept, so there is nothing to put in a zip."
)
CHUNK = 256 * 1024
# Already-compressed formats are stored; an SVG is text and shrinks well.
DEFLATE_TYPES = {"image/svg+xml"}


class SelectionProblem(ValueError):
    """A selection the studio will not act on; the message says what to change."""


def parse_ids(raw: Iterable[str]) -> list[int]:
    """The selected ids as numbers; anything else in a tampered form is ignored."""
    ids = list(dict.fromkeys(int(v) for v in raw if str(v).isdigit() and len(str(v)) <= 18))
    if not ids:
        raise SelectionProblem("Select at least one image first.")
    if len(ids) > MAX_SELECTION:
        raise SelectionProblem(
            f"You selected {len(ids):,} generations; at most {MAX_SELECTION:,} can go at once."
        )
    return ids


def images_for_zip(user: AbstractBaseUser, ids: list[int]) -> QuerySet[GeneratedImage]:
    """The originals of the selected generations the user may see, in a stable order."""
    return (
        GeneratedImage.objects.filter(generation_id__in=ids)
        .filter(generation__in=Generation.objects.filter(visible_to(user)))
        .order_by("-generation__created_at", "-generation_id", "index")
    )


def zip_name(image: GeneratedImage) -> str:
    return f"{image.generation_id}-{image.index}.{image.extension}"


class _Drain:
    """A write-only file for zipfile whose contents the generator takes away."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:  # zipfile records offsets; it never seeks an unseekable file
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def stream_zip(images: Iterable[GeneratedImage]) -> Iterator[bytes]:
    """The zip of `images`, chunk by chunk. A file missing from storage is skipped; an
    original the team's retention rule archived is named in ARCHIVED_NOTE instead."""
    sink = _Drain()
    archived: list[GeneratedImage] = []
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
        for image in images:
            if image.is_archived:
                archived.append(image)
                continue
            try:
                source = default_storage.open(image.file.name, "rb")
            except FileNotFoundError:
                continue
            info = zip_entry(image, zip_name(image))
            with source, archive.open(info, "w", force_zip64=image.bytes >= zipfile.ZIP64_LIMIT) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
        if archived:
            archive.writestr(ARCHIVED_NOTE, archived_note(archived))
    yield sink.take()


def archived_note(images: list[GeneratedImage]) -> str:
    """The note that stands in for archived originals: which, and when."""
    lines = [
        "These originals are not in this zip: your team's retention rule removed them",
        "from storage. Their thumbnails and settings are kept: open a generation and use",
        "“Regenerate from these settings” to make the image again.",
        "",
    ]
    for image in images:
        lines.append(f"{zip_name(image)}: {archived_notice(image)}")
    return "\n".join(lines) + "\n"


def zip_entry(image: GeneratedImage, name: str) -> zipfile.ZipInfo:
    """The zip member for an original: its time, stored or (SVG) compressed."""
    info = zipfile.ZipInfo(name, date_time=_zip_time(image))
    info.compress_type = (
        zipfile.ZIP_DEFLATED if image.mime_type in DEFLATE_TYPES else zipfile.ZIP_STORED
    )
    return info


def _zip_time(image: GeneratedImage) -> tuple[int, int, int, int, int, int]:
    stamp = image.created_at
    return (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def generations_favourite(*, user: AbstractBaseUser, ids: list[int], value: bool) -> int:
    """Mark (or unmark) the user's own generations among `ids` as favourites."""
    return Generation.objects.filter(owner=user, pk__in=ids).update(favourite=value)


def generation_toggle_favourite(*, user: AbstractBaseUser, generation: Generation) -> bool:
    """Flip one generation's favourite mark; returns the new value."""
    generation.favourite = not generation.favourite
    Generation.objects.filter(pk=generation.pk, owner=user).update(favourite=generation.favourite)
    return generation.favourite
