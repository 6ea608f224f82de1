"""Zips of originals, written while they are sent.

zipfile writes into a small buffer (Drain) that the response generator empties after
every chunk, so an archive of gigabytes needs a few hundred kilobytes of memory,
whatever the number of images. Originals the team's retention rule archived are left
out, and a note in the zip names them. Every zip the studio sends is made here: the
gallery's selection, a board, a matrix run.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, cast

from django.core.files.storage import default_storage

from generations.models import GeneratedImage
from generations.retention import archived_notice

ARCHIVED_NOTE = "ARCHIVED-ORIGINALS.txt"
CHUNK = 256 * 1024
# Already-compressed formats are stored; an SVG is text and shrinks well.
DEFLATE_TYPES = {"image/svg+xml"}


class Drain:
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


def stream_zip(
    entries: Iterable[tuple[str, GeneratedImage]], *, first: Iterable[tuple[str, str]] = ()
) -> Iterator[bytes]:
    """The zip of (member name, image) entries, chunk by chunk, after the text files in
    `first` (name, content). A file missing from storage is skipped; an archived
    original is named in ARCHIVED_NOTE instead."""
    sink = Drain()
    archived: list[str] = []
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", allowZip64=True) as archive:
        for name, text in first:
            archive.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
            yield sink.take()
        for name, image in entries:
            if image.is_archived:
                archived.append(f"{name}: {archived_notice(image)}")
                continue
            yield from _add_original(archive, sink, name, image)
        if archived:
            archive.writestr(ARCHIVED_NOTE, archived_note(archived))
    yield sink.take()


def _add_original(
    archive: zipfile.ZipFile, sink: Drain, name: str, image: GeneratedImage
) -> Iterator[bytes]:
    try:
        source = default_storage.open(image.file.name or "", "rb")
    except FileNotFoundError:
        return
    large = image.bytes >= zipfile.ZIP64_LIMIT
    with source, archive.open(zip_entry(image, name), "w", force_zip64=large) as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)
            yield sink.take()
    yield sink.take()


def archived_note(lines: list[str]) -> str:
    """The note that stands in for archived originals: which, and when."""
    head = [
        "These originals are not in this zip: your team's retention rule removed them",
        "from storage. Their thumbnails and settings are kept: open a generation and use",
        "“Regenerate from these settings” to make the image again.",
        "",
    ]
    return "\n".join(head + lines) + "\n"


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
