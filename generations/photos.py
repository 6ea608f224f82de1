"""Checking and cleaning a user's photo before any money is spent on it.

The type is read from the content, never from the name or the browser's claim; the
file must decode completely; the pixel count is capped before decoding (against
decompression bombs). The kept copy is re-encoded: upright by its EXIF orientation and
without EXIF, GPS, XMP or ICC text chunks, which also breaks any polyglot payload.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from generations.mirror import THUMB_EDGE
from llmtr.spec import MIME_EXTENSIONS

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the gateway's Files API limit
MAX_UPLOAD_PIXELS = 40_000_000
# A try-on photo smaller than this on its shorter side shows the model too little of
# the person or the garment to dress one in the other.
MIN_TRYON_EDGE = 256
# MPO: the multi-picture JPEGs many phones take; the first picture is the photo.
ACCEPTED = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

try:  # HEIC when the optional pillow-heif plugin is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    ACCEPTED["HEIF"] = "image/jpeg"  # re-encoded to JPEG: the gateway and browsers read it
except ImportError:  # pragma: no cover - depends on the environment
    pass


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PhotoRejected(ValueError):
    """A photo the studio will not use; the message tells the user why and what to do."""


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    mime_type: str
    width: int
    height: int
    thumbnail: bytes
    thumb_width: int
    thumb_height: int

    @property
    def extension(self) -> str:
        return MIME_EXTENSIONS[self.mime_type]


def check_size(size: int) -> None:
    """Refuse a photo over MAX_UPLOAD_BYTES (asked before reading when the size is known)."""
    if size > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            f"The photo is {size / 1048576:.1f} MB; the limit is 20 MB. "
            "Export it smaller and try again."
        )


def clean_photo(data: bytes, *, min_edge: int = 1) -> CleanPhoto:
    check_size(len(data))
    if not data:
        raise PhotoRejected("The file is empty.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
                if fmt not in ACCEPTED:
                    raise PhotoRejected(_not_a_photo(fmt))
                width, height = image.size
                if width * height > MAX_UPLOAD_PIXELS:
                    raise PhotoRejected(
                        f"The photo is {width}x{height} pixels; at most 40 megapixels are "
                        "accepted. Scale it down and try again."
                    )
                if min(width, height) < min_edge:
                    raise PhotoRejected(
                        f"The photo is {width}x{height} pixels; at least {min_edge} pixels on "
                        "each side are needed. Choose a larger photo."
                    )
                image.seek(0)  # a multi-picture file: the first picture
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _reencode(upright, ACCEPTED[fmt])
        except PhotoRejected:
            raise
        except Image.UnidentifiedImageError:
            raise PhotoRejected(_not_a_photo("")) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(
                "The photo has too many pixels to be processed safely; at most 40 megapixels "
                "are accepted. Scale it down and try again."
            ) from None
        except (OSError, SyntaxError, ValueError):
            raise PhotoRejected(
                "The photo could not be read completely: it may be truncated or damaged. "
                "Try exporting it again."
            ) from None


def _not_a_photo(fmt: str) -> str:
    found = f" (found {fmt})" if fmt else ""
    return f"That file is not a JPEG, PNG or WebP photo{found}. Choose a photo file."


def _pixels_only(image: Image.Image) -> Image.Image:
    """The pixels and nothing else: colours moved to sRGB when the photo carries a
    profile, then every piece of metadata (comments, ICC, EXIF, XMP, text chunks)
    dropped. Pillow writes some of `info` back out on save unless it is emptied."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "L", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, SRGB, outputMode=mode)
            image = converted if converted is not None else image  # None only when inPlace
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: keep the pixels as they are
    clean = image.copy()
    clean.info = {}
    return clean


def _reencode(image: Image.Image, mime: str) -> CleanPhoto:
    image = _pixels_only(image)
    if mime == "image/jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    buffer = io.BytesIO()
    # No exif=, icc_profile= or pnginfo= arguments: nothing of the original's metadata
    # is written out.
    if mime == "image/jpeg":
        image.save(buffer, "JPEG", quality=92, optimize=True)
    elif mime == "image/png":
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    else:
        image.save(buffer, "WEBP", quality=92, method=4)
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    thumb_buffer = io.BytesIO()
    thumb.save(thumb_buffer, "WEBP", quality=76, method=2)
    return CleanPhoto(
        content=buffer.getvalue(),
        mime_type=mime,
        width=image.width,
        height=image.height,
        thumbnail=thumb_buffer.getvalue(),
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )
