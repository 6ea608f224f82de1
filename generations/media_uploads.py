"""Uploaded photos, served only to their owner and the admins of the owner's team.

The same rules as `generations.media`: the access check comes first, then the bytes
stream from private storage (or, on S3, a short-lived signed URL), never from a public
folder. Uploads are always raster (checked and re-encoded by `photos.clean_photo`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from generations.access import get_upload_for_user


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


def _serve(name: str, mime: str) -> HttpResponse:
    if not name:
        raise Http404("No such file.")
    if settings.MEDIA_REDIRECT:
        url = default_storage.url(name, parameters={"ResponseContentType": mime})
        response = redirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(handle, content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
