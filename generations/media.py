"""Images, uploads and their thumbnails, served only to whoever may see them: a
generation's owner and the admins of its team; an upload's owner and the same admins.

Media never sits in a public folder: these views check access first, then stream the
file from storage (or, on S3 with MEDIA_REDIRECT, redirect to a short-lived signed URL). An SVG is served
under a policy that lets no script in it run, even if opened directly.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from generations.access import get_image_for_user, get_upload_for_user
from generations.models import GeneratedImage
from generations.views import original_archived
from llmtr.spec import MIME_EXTENSIONS
from llmtr.spec import SVG_MIME as SVG

# Inline style is how SVG files paint themselves; nothing else may load or run, and
# `sandbox` gives the document an opaque origin should someone open it directly.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
# A stored file's type, from its extension (the one map, read backwards).
THUMB_TYPES = {extension: mime for mime, extension in MIME_EXTENSIONS.items()}


@require_GET
@login_required
def image_original(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_image_for_user(request.user, pk)
    if image.is_archived:  # the team's retention rule removed it: 410, and what is kept
        return original_archived(request, image)
    return _serve_image(request, image, image.file.name, image.mime_type)


@require_GET
@login_required
def image_thumb(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_image_for_user(request.user, pk)
    name = image.thumbnail.name
    mime = THUMB_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return _serve_image(request, image, name, mime)


@require_GET
@login_required
def upload_original(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_upload_for_user(request.user, pk)
    return _serve(upload.file.name, upload.mime_type)


@require_GET
@login_required
def upload_thumb(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_upload_for_user(request.user, pk)
    return _serve(upload.thumbnail.name, "image/webp")


def download_name(image: GeneratedImage, name: str) -> str:
    """`studio-42-1-a-red-fox.png`: the generation, the image, the prompt's start."""
    words = slugify(image.generation.prompt)[:40].strip("-")
    extension = name.rsplit(".", 1)[-1] if "." in name else image.extension
    stem = f"studio-{image.generation_id}-{image.index + 1}"
    return f"{stem}-{words}.{extension}" if words else f"{stem}.{extension}"


def _serve_image(request: HttpRequest, image: GeneratedImage, name: str, mime: str):
    download = request.GET.get("download") == "1"
    return _serve(
        name, mime, filename=download_name(image, name) if name else "", download=download
    )


def serve_file(name: str, mime: str, *, filename: str = "", download: bool = False) -> HttpResponse:
    """The streaming behind these views, for an upper app's view that has checked access
    its own way (shares: a link's token on every request; the API: a bearer token).
    Always streamed, never a signed bucket URL: that would keep working after the link
    or the token is revoked or expires."""
    return _serve(name, mime, filename=filename, download=download, may_redirect=False)


def _serve(
    name: str, mime: str, *, filename: str = "", download: bool = False, may_redirect: bool = True
) -> HttpResponse:
    """Stream `name` from storage; with MEDIA_REDIRECT, send the browser to a signed URL
    instead, for what it shows inline. A download (it needs our filename) and an SVG
    (it needs our policy header) are always streamed: a signed URL carries neither,
    since not every S3-compatible store honours response-header overrides in it."""
    if not name:
        raise Http404("No such file.")
    if may_redirect and settings.MEDIA_REDIRECT and not download and mime != SVG:
        return _signed_redirect(name)
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle, content_type=mime, as_attachment=download, filename=filename if download else ""
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    if mime == SVG:
        response["Content-Security-Policy"] = SVG_POLICY
    return response


def _signed_redirect(name: str) -> HttpResponse:
    """The bucket serves the bytes, with the content type stored at upload; we only
    say who may, for AWS_QUERYSTRING_EXPIRE seconds."""
    response = redirect(default_storage.url(name))
    response["Cache-Control"] = "private, no-store"
    return response
