"""POST /v1/files: multipart uploads of reference images (contract section 5)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from llmtr.emulator.images import sniff_mime
from llmtr.emulator.multipart import Part, boundary_of, parse_form
from llmtr.emulator.wsgi import ApiError, Request, Response, json_response

if TYPE_CHECKING:
    from llmtr.emulator.app import Emulator

MAX_FILE_BYTES = 20 * 1024 * 1024
PURPOSES = ("vision_reference", "user_upload")
PROVIDERS = ("google",)


def _form(request: Request) -> dict[str, Part]:
    boundary = boundary_of(request.header("Content-Type"))
    if boundary is None:
        raise ApiError(
            400, "invalid_request_error", "File uploads must be multipart/form-data.",
            {"param": "file"},
        )  # fmt: skip
    return parse_form(request.body, boundary)


def _field(form: dict[str, Part], name: str, default: str) -> str:
    part = form.get(name)
    return part.text.strip() if part is not None else default


def summary(request: Request) -> dict[str, Any] | None:
    """What the journal keeps of an upload: the form fields, never the bytes."""
    try:
        form = _form(request)
    except ApiError:
        return None
    file = form.get("file")
    return {
        "purpose": _field(form, "purpose", "user_upload"),
        "provider": _field(form, "provider", "google"),
        "filename": file.filename if file else None,
        "bytes": len(file.content) if file else None,
        "mime_type": (sniff_mime(file.content) or file.content_type) if file else None,
    }


def upload(emulator: Emulator, request: Request) -> Response:
    form = _form(request)
    file = form.get("file")
    if file is None:
        raise ApiError(400, "invalid_request_error", "`file` is required.", {"param": "file"})
    purpose = _field(form, "purpose", "user_upload")
    if purpose not in PURPOSES:
        raise ApiError(
            400, "invalid_request", f"`purpose` must be one of: {', '.join(PURPOSES)}.",
            {"param": "purpose"},
        )  # fmt: skip
    provider = _field(form, "provider", "google")
    if provider not in PROVIDERS:
        raise ApiError(
            400, "unsupported_provider", "`provider` must be google, the only one supported.",
            {"param": "provider"},
        )  # fmt: skip
    if len(file.content) > MAX_FILE_BYTES:
        raise ApiError(413, "request_too_large", "Files may be at most 20 MB.", {"param": "file"})
    mime = sniff_mime(file.content)
    if mime is None:
        raise ApiError(
            400, "invalid_request_error", "`file` must be a JPEG, PNG, WebP or HEIC image.",
            {"param": "file"},
        )  # fmt: skip
    emulator.pause(since=request.received)
    now = emulator.clock.now()
    file_id = f"file_{secrets.token_hex(12)}"
    record = {
        "id": file_id,
        "object": "file",
        "provider": provider,
        "purpose": purpose,
        "filename": file.filename or "upload",
        "bytes": len(file.content),
        "mime_type": mime,
        "created_at": int(now),
    }
    emulator.files.add(file_id, now)
    return json_response(record)
