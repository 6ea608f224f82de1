"""Check, measure and store returned images in the studio's own storage.

A gateway image is untrusted input: it must decode completely (no truncation), stay
under a pixel cap (no decompression bombs), and an SVG is rewritten without script,
event handlers or external references before anyone can load it.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import logging
import secrets
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from generations import svg
from llmtr.spec import MIME_EXTENSIONS

log = logging.getLogger(__name__)

THUMB_EDGE = 384
# The largest image any model returns is about 4 megapixels (Recraft V4 Pro, Gemini
# 2K); anything over this is refused from its header, before a pixel is decoded.
MAX_PIXELS = 24_000_000
RASTER_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class ImageRejected(ValueError):
    """The bytes are not an image the studio will keep; the message says why."""


@dataclass(frozen=True)
class Mirrored:
    content: bytes
    sha256: str
    width: int
    height: int
    mime_type: str
    thumbnail: bytes
    thumb_width: int
    thumb_height: int
    thumb_mime: str

    @property
    def extension(self) -> str:
        return MIME_EXTENSIONS[self.mime_type]


class PixelBudget:
    """Pixels being decoded at once in this process, bounded: memory for decoding grows
    with pixels, not with images (one 24-megapixel answer weighs as much as a hundred
    small ones). A request waits until its pixels fit; one larger than the whole
    budget waits for the budget to be empty and then has it alone."""

    def __init__(self, pixels: int) -> None:
        self.pixels = pixels
        self.in_use = 0
        self.peak = 0
        self._free = threading.Condition()

    @contextmanager
    def take(self, pixels: int):
        pixels = min(pixels, self.pixels)
        with self._free:
            self._free.wait_for(lambda: self.in_use + pixels <= self.pixels)
            self.in_use += pixels
            self.peak = max(self.peak, self.in_use)
        try:
            yield
        finally:
            with self._free:
                self.in_use -= pixels
                self._free.notify_all()


def _large_blocks_back_to_the_os() -> None:
    """Decoded pixels come in 16 MB blocks. glibc raises its mmap threshold after the
    first such block is freed, so later blocks come from per-thread heaps that never
    shrink: each thread that ever decoded a large image would keep its size for good
    (8 threads of 23 MP: 780 MB). A fixed threshold keeps large blocks mmapped and
    hands them back on free (160 MB for the same). glibc only; elsewhere nothing."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD = 1 MB
    except (OSError, AttributeError):
        pass


_large_blocks_back_to_the_os()
_budget: PixelBudget | None = None
_budget_lock = threading.Lock()


def pixel_budget() -> PixelBudget:
    """This process's budget, made on first use from MIRROR_PIXEL_BUDGET."""
    global _budget
    with _budget_lock:
        if _budget is None or _budget.pixels != settings.MIRROR_PIXEL_BUDGET:
            _budget = PixelBudget(settings.MIRROR_PIXEL_BUDGET)
        return _budget


def process(data: bytes) -> Mirrored:
    """Validate `data` and make its thumbnail. Raises ImageRejected."""
    if not data:
        raise ImageRejected("The gateway returned an empty image.")
    if _looks_like_svg(data):
        return _process_svg(data)
    return _process_raster(data)


def _process_raster(data: bytes) -> Mirrored:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                mime = RASTER_MIME.get(image.format or "")
                if mime is None:
                    raise ImageRejected(f"Unsupported image format: {image.format or 'unknown'}.")
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageRejected(
                        f"The image is {width}x{height} pixels; the studio keeps images of "
                        f"at most {MAX_PIXELS // 1_000_000} megapixels."
                    )
                # JPEG can decode at a fraction of its size; the full file is still read,
                # so truncation is still caught.
                image.draft("RGB", (THUMB_EDGE * 2, THUMB_EDGE * 2))
                with pixel_budget().take(image.size[0] * image.size[1]):
                    image.load()
                    thumb = _thumbnail(image)
                    # Free the full-size pixels before the budget is handed on, or every
                    # thread that had its turn would still hold its image meanwhile.
                    image.close()
        except ImageRejected:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:  # fmt: skip
            # Pillow's own words name Python objects ("<_io.BytesIO object at 0x…>"):
            # they go to the log, the person gets a sentence.
            log.info("an image could not be decoded: %s", exc)
            raise ImageRejected(
                "The image could not be decoded: it is damaged, cut short, or not a PNG, "
                "JPEG or WebP image."
            ) from None
    buffer = io.BytesIO()
    thumb.save(buffer, "WEBP", quality=76, method=1)
    return Mirrored(
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        mime_type=mime,
        thumbnail=buffer.getvalue(),
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        thumb_mime="image/webp",
    )


def _thumbnail(image: Image.Image) -> Image.Image:
    # Alpha only where there is some: an RGBA WebP costs far more to encode.
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    thumb = image.convert(mode) if image.mode != mode else image
    # A box reduce by a whole factor first is several times cheaper than resampling
    # the full image, and looks the same at thumbnail size.
    factor = max(thumb.width, thumb.height) // THUMB_EDGE
    if factor >= 2:
        thumb = thumb.reduce(factor)
    scale = min(1.0, THUMB_EDGE / max(thumb.width, thumb.height))
    size = (max(1, round(thumb.width * scale)), max(1, round(thumb.height * scale)))
    return thumb.resize(size, Image.Resampling.BILINEAR) if size != thumb.size else thumb.copy()


# --- SVG -----------------------------------------------------------------------------


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head


def sanitize_svg(data: bytes) -> tuple[bytes, int, int]:
    """The allowlisted copy of an SVG (generations.svg) and its size. Raises ImageRejected."""
    try:
        return svg.sanitize(data)
    except svg.SvgRejected as exc:
        raise ImageRejected(str(exc)) from None


def _process_svg(data: bytes) -> Mirrored:
    clean, width, height = sanitize_svg(data)
    scale = min(1.0, THUMB_EDGE / max(width, height))
    return Mirrored(
        content=clean,
        sha256=hashlib.sha256(clean).hexdigest(),
        width=width,
        height=height,
        mime_type="image/svg+xml",
        thumbnail=clean,  # vector: the sanitised file is its own thumbnail
        thumb_width=max(1, round(width * scale)),
        thumb_height=max(1, round(height * scale)),
        thumb_mime="image/svg+xml",
    )


def store(mirrored: Mirrored, *, prefix: str) -> tuple[str, str]:
    """Save original and thumbnail; names carry a random token so that two workers
    racing on one generation never overwrite each other's files."""
    token = secrets.token_hex(6)
    thumb_ext = MIME_EXTENSIONS[mirrored.thumb_mime]
    original = default_storage.save(
        f"{prefix}-{token}.{mirrored.extension}", ContentFile(mirrored.content)
    )
    thumbnail = default_storage.save(
        f"{prefix}-{token}-thumb.{thumb_ext}", ContentFile(mirrored.thumbnail)
    )
    return original, thumbnail


def delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
