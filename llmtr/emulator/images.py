"""Cheap, real, deterministic images: a flat colour and a few shapes from a seed.

A benchmark renders hundreds of these, so each one is a handful of Pillow draw calls
and the fastest encoder settings; repeated bodies come from an LRU cache.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import threading
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

from PIL import Image, ImageDraw

SVG = "image/svg+xml"
_PIL_FORMATS = {
    "image/png": ("PNG", {"compress_level": 1}),
    "image/jpeg": ("JPEG", {"quality": 85}),
    "image/webp": ("WEBP", {"quality": 80, "method": 0}),
}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

# Payloads for the data faults: valid base64 of non-image bytes, and text whose
# alphabet characters number 11, so even a lenient base64 decoder fails on padding.
NOT_AN_IMAGE = b"This is not an image: the LLMTR emulator was told to send garbage.\n"
BAD_BASE64 = "iVBORw0KGgo*** %%% ***"

RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1
Shape = tuple[str, Box, RGB]  # ("rect" or "ellipse", box, colour)


def image_seed(body: Mapping[str, Any], index: int) -> bytes:
    """The same body gives the same images; each index in a request a different one."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{canonical}#{index}".encode()).digest()


def _bytes_from(seed: bytes) -> Iterator[int]:
    block = seed
    while True:
        block = hashlib.sha256(block).digest()
        yield from block


def _shapes(seed: bytes, width: int, height: int) -> tuple[RGB, list[Shape]]:
    """A background colour and four (kind, box, colour) shapes, all from the seed."""
    stream = _bytes_from(seed)

    def take(k: int) -> list[int]:
        return [next(stream) for _ in range(k)]

    red, green, blue = take(3)
    background = (red, green, blue)
    shapes: list[Shape] = []
    for _ in range(4):
        kind, x0, y0, x1, y1, r, g, b = take(8)
        xs = sorted((x0 * width // 255, x1 * width // 255))
        ys = sorted((y0 * height // 255, y1 * height // 255))
        box = (xs[0], ys[0], max(xs[1], xs[0] + 1), max(ys[1], ys[0] + 1))
        shapes.append(("ellipse" if kind % 2 else "rect", box, (r, g, b)))
    return background, shapes


@lru_cache(maxsize=256)
def render(seed: bytes, width: int, height: int, mime: str) -> bytes:
    """Encoded image bytes of the given size and MIME type (PNG, JPEG, WebP or SVG)."""
    if mime == SVG:
        return _render_svg(seed, width, height)
    pil_format, options = _PIL_FORMATS[mime]
    background, shapes = _shapes(seed, width, height)
    # A five-colour palette image: PNG encodes it ~6x faster than RGB at the same size.
    image = Image.new("P", (width, height), 0)
    image.putpalette([c for colour in (background, *(s[2] for s in shapes)) for c in colour])
    draw = ImageDraw.Draw(image)
    for index, (kind, box, _) in enumerate(shapes, start=1):
        (draw.ellipse if kind == "ellipse" else draw.rectangle)(box, fill=index)
    if pil_format != "PNG":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, pil_format, **options)
    return out.getvalue()


def _hex(colour: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def _render_svg(seed: bytes, width: int, height: int) -> bytes:
    background, shapes = _shapes(seed, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{_hex(background)}"/>',
    ]
    for kind, (x0, y0, x1, y1), colour in shapes:
        if kind == "rect":
            parts.append(
                f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
                f'fill="{_hex(colour)}"/>'
            )
        else:
            parts.append(
                f'<ellipse cx="{(x0 + x1) / 2}" cy="{(y0 + y1) / 2}" rx="{(x1 - x0) / 2}" '
                f'ry="{(y1 - y0) / 2}" fill="{_hex(colour)}"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts).encode()


def sniff_mime(data: bytes) -> str | None:
    """The upload types the gateway accepts, recognised by their magic bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return "image/heic"
    return None


def decode_data_url(url: str) -> bytes | None:
    """The bytes of a data: URL, or None when it is malformed."""
    header, comma, payload = url.partition(",")
    if not comma or not header.startswith("data:"):
        return None
    if not header.endswith(";base64"):
        return unquote_to_bytes(payload)
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def is_image(data: bytes) -> bool:
    """Whether the bytes are an image Pillow can read (HEIC is trusted by its header)."""
    mime = sniff_mime(data)
    if mime == "image/heic":
        return True
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # Pillow raises many types for bad input; all mean "not an image"
        return False
    return True


# Hostile sizes [assumed]: a 23-megapixel PNG (4800 x 4800) and a 64-megapixel one
# (8000 x 8000). Rendered once per process and reused: few kilobytes on the wire
# (one colour compresses well), their full pixel count to whoever decodes them.
OVERSIZED = {"large_image": (4800, 4800), "huge_image": (8000, 8000)}
_oversized: dict[str, bytes] = {}
_oversized_lock = threading.Lock()


def oversized(kind: str) -> bytes:
    with _oversized_lock:
        if kind not in _oversized:
            buffer = io.BytesIO()
            Image.new("RGB", OVERSIZED[kind], (90, 140, 200)).save(buffer, "PNG")
            _oversized[kind] = buffer.getvalue()
        return _oversized[kind]
