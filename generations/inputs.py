"""Images that go into a generation: uploads, earlier results, URLs.

At submit the inputs are checked (ownership, count after removing duplicates, a model
that takes them). At run time they become the request's `file_ids` / `image_urls`
(Gemini) or its `image` data URL (xAI edits). Files go to the gateway's Files API once
and their ids are reused until close to the 7-day expiry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from generations.grants import granted
from generations.models import GatewayFile, GeneratedImage, Generation, GenerationInput, Upload
from generations.photos import (
    MAX_UPLOAD_BYTES,
    MIN_TRYON_EDGE,
    CleanPhoto,
    PhotoRejected,
    check_size,
    clean_photo,
)
from llmtr import spec as llmtr_spec
from llmtr.client import LLMTRClient
from studio.http import whole_number
from teams.access import team_of

# The gateway deletes a file 7 days after upload. A day's margin covers generations
# that wait in the queue after their body was prepared.
FILE_REUSE_WINDOW = timedelta(days=6)
GATEWAY_IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}

SVG_NOT_A_REFERENCE = "Vector (SVG) images cannot be used as references; pick a raster image."
ARCHIVED_NOT_AN_INPUT = (
    "The original of one of the chosen images was archived by your team's retention rule "
    "(only its thumbnail is kept), so it cannot be sent to a model: pick a newer image."
)


class ReferenceProblem(ValueError):
    """Inputs the studio will not send; the message says what to change."""


def upload_create(
    *, user, data: bytes, filename: str, purpose: str = Upload.Purpose.REFERENCE
) -> Upload:
    """Check, clean and keep a photo. Raises PhotoRejected with a user-facing message.
    The same cleaned photo uploaded twice by one user is kept once."""
    tryon = purpose in (Upload.Purpose.PERSON, Upload.Purpose.GARMENT)
    photo = clean_photo(data, min_edge=MIN_TRYON_EDGE if tryon else 1)
    sha = hashlib.sha256(photo.content).hexdigest()
    existing = Upload.objects.filter(owner=user, sha256=sha).first()
    if existing:
        return existing
    original, thumbnail = _store_photo(photo, owner_id=user.pk)
    return Upload.objects.create(
        owner=user,
        team=team_of(user),
        purpose=purpose,
        original_name=filename[:255],
        **Upload.measured(photo, sha256=sha, file=original, thumbnail=thumbnail),
    )


def _store_photo(photo: CleanPhoto, *, owner_id: int) -> tuple[str, str]:
    prefix = f"uploads/{owner_id}/{secrets.token_hex(8)}"
    original = default_storage.save(f"{prefix}.{photo.extension}", ContentFile(photo.content))
    thumbnail = default_storage.save(f"{prefix}-thumb.webp", ContentFile(photo.thumbnail))
    return original, thumbnail


# --- choosing inputs -----------------------------------------------------------------


@dataclass(frozen=True)
class InputChoice:
    """One chosen input, before it is saved as a GenerationInput."""

    role: str
    upload: Upload | None = None
    image: GeneratedImage | None = None
    url: str = ""

    @property
    def identity(self) -> str:
        """Two choices of the same bytes or the same URL are one reference."""
        if self.upload is not None:
            return f"sha:{self.upload.sha256}"
        if self.image is not None:
            return f"sha:{self.image.sha256}"
        return f"url:{self.url}"

    @property
    def mime_type(self) -> str:
        source = self.upload or self.image
        return source.mime_type if source else ""

    @property
    def original_url(self) -> str:
        """Where the full image is served (an upload or a generated image)."""
        if self.upload is not None:
            return reverse("upload-original", args=[self.upload.pk])
        if self.image is not None:
            return reverse("image-original", args=[self.image.pk])
        return self.url


def visible_uploads(user):
    return Upload.objects.filter(owner=user)


def visible_images(user):
    return GeneratedImage.objects.filter(generation__owner=user)


def parse_choice(user, token: str, role: str = GenerationInput.Role.REFERENCE) -> InputChoice:
    """`upload:<id>`, `image:<id>`, an https URL, or a data URL (checked and kept as an
    upload like any photo, never stored raw); only the user's own things."""
    token = token.strip()
    if "\x00" in token:
        raise ReferenceProblem(
            "A reference contains a NUL character, which no link or image id can hold. "
            "Remove it and try again."
        )
    kind, _, raw_id = token.partition(":")
    pk = whole_number(raw_id)
    if kind in ("upload", "image") and pk is not None:
        queryset = visible_uploads(user) if kind == "upload" else visible_images(user)
        item = queryset.filter(pk=pk).first()
        if item is None and role == GenerationInput.Role.REFERENCE and granted(user, kind, pk):
            # Someone else's, shared for reading by an app above (see generations.grants).
            item = queryset.model.objects.filter(pk=pk).first()
        if item is None:
            raise ReferenceProblem("One of the chosen images no longer exists.")
        if isinstance(item, GeneratedImage) and item.is_archived:
            raise ReferenceProblem(ARCHIVED_NOT_AN_INPUT)
        return InputChoice(role=role, **{kind: item})
    if token.startswith("data:"):
        return InputChoice(role=role, upload=_upload_from_data_url(user, token, role))
    if token.startswith("https://"):
        if len(token) > 2048:
            raise ReferenceProblem("That image URL is too long.")
        return InputChoice(role=role, url=token)
    raise ReferenceProblem(
        "A reference must be an uploaded photo, an earlier image, or an https:// URL."
    )


_DATA_URL = re.compile(r"data:image/(?:png|jpeg|webp|heic);base64,", re.I)
# Base64 takes four characters for three bytes; a little room for the header.
MAX_DATA_URL_CHARS = MAX_UPLOAD_BYTES * 4 // 3 + 256
_PURPOSE_OF_ROLE: dict[str, str] = {
    GenerationInput.Role.PERSON: Upload.Purpose.PERSON,
    GenerationInput.Role.GARMENT: Upload.Purpose.GARMENT,
    GenerationInput.Role.SOURCE: Upload.Purpose.EDIT,
}


def _upload_from_data_url(user, token: str, role: str) -> Upload:
    """A pasted data: URL, checked exactly like a file upload and kept as one."""
    if len(token) > MAX_DATA_URL_CHARS:
        raise ReferenceProblem(
            "That pasted image is larger than 20 MB. Export it smaller, or upload the file."
        )
    header = _DATA_URL.match(token)
    if header is None:
        raise ReferenceProblem(
            "A pasted image must be a base64 data: URL of a JPEG, PNG or WebP photo."
        )
    try:
        data = base64.b64decode(token[header.end() :], validate=True)
    except (binascii.Error, ValueError):
        raise ReferenceProblem("The pasted image is not valid base64 data.") from None
    purpose = _PURPOSE_OF_ROLE.get(role, Upload.Purpose.REFERENCE)
    try:
        return upload_create(user=user, data=data, filename="pasted image", purpose=purpose)
    except PhotoRejected as exc:
        raise ReferenceProblem(f"The pasted image: {exc}") from None


def check_inputs(model_spec: llmtr_spec.ModelSpec, choices: list[InputChoice]) -> list[InputChoice]:
    """Drop duplicates, then enforce the model's rules. Returns the kept choices."""
    if choices and not model_spec.takes_references:
        alternatives = " or ".join(m.name for m in llmtr_spec.reference_capable())
        raise ReferenceProblem(
            f"{model_spec.name} cannot take reference images: use {alternatives}."
        )
    unique: dict[str, InputChoice] = {}
    for choice in choices:
        unique.setdefault(choice.identity, choice)
    kept = list(unique.values())
    if len(kept) > llmtr_spec.MAX_REFERENCES:
        raise ReferenceProblem(
            f"At most {llmtr_spec.MAX_REFERENCES} reference images can go into one "
            f"generation; you chose {len(kept)} different ones. Remove "
            f"{len(kept) - llmtr_spec.MAX_REFERENCES}."
        )
    for choice in kept:
        if choice.mime_type and choice.mime_type not in GATEWAY_IMAGE_TYPES:
            raise ReferenceProblem(SVG_NOT_A_REFERENCE)
    return kept


def save_inputs(generation: Generation, choices: list[InputChoice]) -> None:
    GenerationInput.objects.bulk_create(
        GenerationInput(
            generation=generation,
            position=position,
            role=choice.role,
            upload=choice.upload,
            image=choice.image,
            url=choice.url,
            sha256=source.sha256 if (source := choice.upload or choice.image) else "",
        )
        for position, choice in enumerate(choices)
    )


# --- at run time ---------------------------------------------------------------------


def _input_bytes(item: GenerationInput) -> tuple[bytes, str]:
    source = item.upload or item.image
    if source is None:
        raise ReferenceProblem("An input image of this generation was deleted before it ran.")
    if isinstance(source, GeneratedImage) and source.is_archived:
        raise ReferenceProblem(ARCHIVED_NOT_AN_INPUT)
    try:
        with default_storage.open(str(source.file.name)) as f:
            return f.read(), source.mime_type
    except FileNotFoundError:  # archived or deleted between the check and the read
        raise ReferenceProblem(ARCHIVED_NOT_AN_INPUT) from None


def gateway_file_id(
    client: LLMTRClient, *, content: bytes, mime_type: str, force: bool = False
) -> str:
    """The gateway file id for these bytes: reused within the window, else uploaded."""
    sha = hashlib.sha256(content).hexdigest()
    gateway = client.base_url
    if not force:
        fresh = GatewayFile.objects.filter(
            gateway=gateway, sha256=sha, uploaded_at__gt=timezone.now() - FILE_REUSE_WINDOW
        ).order_by("-uploaded_at")
        row = fresh.first()
        if row:
            return row.file_id
    extension = mime_type.split("/")[-1].replace("jpeg", "jpg")
    uploaded = client.upload_file(content, filename=f"{sha[:16]}.{extension}", mime_type=mime_type)
    GatewayFile.objects.create(
        gateway=gateway, sha256=sha, file_id=uploaded.id, uploaded_at=timezone.now()
    )
    return uploaded.id


def forget_gateway_files(client: LLMTRClient, generation: Generation) -> None:
    """The gateway no longer knows some of our ids: drop them so they are re-uploaded."""
    shas = [i.sha256 for i in generation.inputs.all() if i.sha256]
    GatewayFile.objects.filter(Q(gateway=client.base_url) & Q(sha256__in=shas)).delete()


def uses_gateway_files(generation: Generation) -> bool:
    return (
        generation.endpoint != llmtr_spec.EDITS_PATH
        and generation.inputs.exclude(upload=None, image=None).exists()
    )


def prepare_body(
    generation: Generation, client: LLMTRClient, *, force_upload: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the body to send, the body to record). They differ only where a data URL of
    megabytes would otherwise be copied onto the row."""
    body = dict(generation.request_body)
    if generation.kind == Generation.Kind.TEXT:
        return body, body  # text to image takes no inputs: no query for them
    inputs = list(generation.inputs.select_related("upload", "image"))
    if not inputs:
        return body, body
    if generation.endpoint == llmtr_spec.EDITS_PATH:
        return _edit_body(body, inputs)
    file_ids, urls = [], []
    for item in inputs:
        if item.url:
            urls.append(item.url)
            continue
        content, mime = _input_bytes(item)
        file_ids.append(
            gateway_file_id(client, content=content, mime_type=mime, force=force_upload)
        )
    for key in llmtr_spec.REFERENCE_FIELDS:
        body.pop(key, None)
    if file_ids:
        body["file_ids"] = list(dict.fromkeys(file_ids))
    if urls:
        body["image_urls"] = list(dict.fromkeys(urls))
    return body, {**body, "image_urls": [_abbreviate(u) for u in urls]} if urls else body


def _edit_body(body: dict[str, Any], inputs: list[GenerationInput]) -> tuple[dict, dict]:
    images, recorded = [], []
    for item in inputs:
        if item.url:
            url = item.url
        else:
            content, mime = _input_bytes(item)
            url = f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"
        images.append({"type": "image_url", "url": url})
        recorded.append({"type": "image_url", "url": _abbreviate(url)})
    one = len(images) == 1
    return {**body, "image": images[0] if one else images}, {
        **body,
        "image": recorded[0] if one else recorded,
    }


def _abbreviate(url: str) -> str:
    if not url.startswith("data:"):
        return url
    head, _, data = url.partition(",")
    return f"{head},<{len(data) * 3 // 4:,} bytes omitted>"


# --- uploads from a browser ----------------------------------------------------------


def receive_upload(*, user, file: UploadedFile | None, purpose: str) -> Upload:
    """A browser's file, checked and kept. Raises PhotoRejected with the reason.
    The size is checked before reading, so a huge file is never held in memory."""
    if file is None:
        raise PhotoRejected("Choose a photo to upload.")
    if file.size is not None:
        check_size(file.size)
    data = file.read()
    return upload_create(user=user, data=data, filename=file.name or "photo", purpose=purpose)


def uploads_receive(
    *, user, files: Iterable[UploadedFile], purpose: str
) -> tuple[list[Upload], list[str]]:
    """Each file checked and kept; the refused ones as sentences naming the file."""
    kept: list[Upload] = []
    refused: list[str] = []
    for file in files:
        try:
            kept.append(receive_upload(user=user, file=file, purpose=purpose))
        except PhotoRejected as exc:
            refused.append(f"{file.name}: {exc}")
    return kept, refused


# --- the try-on's instructions -------------------------------------------------------


TRYON_PROMPT = (
    "Virtual try-on. The first image shows a person; the second image shows a garment. "
    "Create a photorealistic image of the person from the first image wearing the garment "
    "from the second image. Keep the person exactly as they are: the same face and identity, "
    "hair, skin tone, body shape, pose, expression, background and lighting. Reproduce the "
    "garment faithfully: the same cut, fabric, texture, pattern, print, logos and colours, "
    "fitted naturally to the person's body with realistic folds and shadows. Change nothing "
    "else."
)


def tryon_prompt(notes: str = "") -> str:
    notes = notes.strip()
    return f"{TRYON_PROMPT}\n\nAlso: {notes}" if notes else TRYON_PROMPT
