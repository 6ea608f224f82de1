"""The gallery (search, filters, cursor pages), image and upload files, and uploads.

Files are served by generations.media's own streaming after the same access check
its views make (the owner and their team's admins, plus what presets share), so a
stranger gets a 404 here as there; an original the retention rule archived is a 410.
"""

from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from api import present
from api.auth import GENERATE, READ
from api.errors import ApiError, form_errors, invalid
from api.schemas import ERROR_CODES, Error, GalleryPage, PathID, UploadOut
from gallery import queries
from generations import media, retention
from generations.access import get_image_for_user, get_upload_for_user
from generations.inputs import receive_upload
from generations.models import GeneratedImage, Generation, Upload
from generations.photos import PhotoRejected

router = Router(tags=["gallery and files"])

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/svg+xml")
FILE_RESPONSES = {
    "responses": {
        "200": {
            "description": "The file's bytes.",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in _IMAGE_TYPES
            },
        },
        "302": {"description": "With MEDIA_REDIRECT: a short-lived signed URL of the file."},
    }
}
BAD_CURSOR = "That cursor is not one this API gave out: start again without `after`."
TEAM_ONLY = "Only a team admin can list the whole team's images (scope=team)."
IMAGE_FIELDS = ("id", "generation_id", "index", "width", "height", "mime_type", "bytes",
                "sha256", "archived_at")  # fmt: skip


class GalleryQuery(Schema):
    q: str = Field(default="", max_length=200, description="Words of the prompt, all of them.")
    model: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=40)
    kind: str = Field(default="", max_length=20)
    status: str = Field(default="", max_length=20)
    favourites: bool = False
    date_from: date | None = None
    date_to: date | None = None
    scope: Literal["", "team"] = Field(default="", description="team: team admins only.")
    after: str = Field(default="", max_length=60, description="The previous page's next_cursor.")
    limit: int = Field(default=queries.PAGE_SIZE, ge=1, le=100)


@router.get(
    "/gallery",
    auth=READ,
    response={200: GalleryPage, ERROR_CODES: Error},
    url_name="gallery",
    summary="Your generations, newest first: search, filters, cursor pages",
)
def gallery(request: HttpRequest, filters: Query[GalleryQuery]):
    """The gallery page's own query: the same filters, the same keyset pages. Pass
    `next_cursor` as `after` for the next page; null means the last page."""
    data = {
        k: str(v)
        for k, v in filters.dict().items()
        if k not in ("after", "limit", "favourites") and v not in ("", None)
    }
    if filters.favourites:
        data["favourites"] = "on"
    form = queries.GalleryFilters(data)
    if not form.is_valid():
        raise form_errors(form)
    values = form.values()
    if values.get("scope") == "team" and not queries.team_scope_allowed(request.user):
        raise invalid(TEAM_ONLY, {"scope": [TEAM_ONLY]})
    after = queries.Cursor.parse(filters.after) if filters.after else None
    if filters.after and after is None:
        raise invalid(BAD_CURSOR, {"after": [BAD_CURSOR]})
    page = queries.gallery_page(request.user, values, after=after, size=filters.limit)
    return {
        "items": _summaries(request, page.generations),
        "next_cursor": str(page.next_cursor) if page.next_cursor else None,
    }


def _summaries(request: HttpRequest, rows: list[Generation]) -> list[dict]:
    """The page's rows with what a tile leaves out (kind, owner, the images' sizes):
    two more queries, whatever the page's length."""
    ids = [g.pk for g in rows]
    extra = {
        pk: (kind, owner)
        for pk, kind, owner in Generation.objects.filter(pk__in=ids).values_list(
            "pk", "kind", "owner__username"
        )
    }
    images: dict[int, list[GeneratedImage]] = {pk: [] for pk in ids}
    for item in GeneratedImage.objects.filter(generation_id__in=ids).only(*IMAGE_FIELDS):
        images[item.generation_id].append(item)
    return [
        present.summary(request, g, kind=extra[g.pk][0], owner=extra[g.pk][1], images=images[g.pk])
        for g in rows
    ]


@router.get(
    "/images/{int:image_id}/original",
    auth=READ,
    response={ERROR_CODES: Error},
    url_name="image-original",
    summary="An image's original file (PNG, JPEG, WebP or SVG)",
    openapi_extra=FILE_RESPONSES,
)
def image_original(request: HttpRequest, image_id: PathID, download: bool = False):
    image = get_image_for_user(request.user, image_id)
    if image.is_archived:
        raise ApiError(
            410,
            f"{retention.archived_notice(image)} Its thumbnail, the settings it was made "
            "with and its lineage are kept.",
        )
    name = image.file.name or ""
    return media.serve_file(
        name, image.mime_type, filename=media.download_name(image, name), download=download
    )


@router.get(
    "/images/{int:image_id}/thumb",
    auth=READ,
    response={ERROR_CODES: Error},
    url_name="image-thumb",
    summary="An image's thumbnail (WebP)",
    openapi_extra=FILE_RESPONSES,
)
def image_thumb(request: HttpRequest, image_id: PathID):
    image = get_image_for_user(request.user, image_id)
    return serve_thumb(image.thumbnail.name or "")


def serve_thumb(name: str):
    mime = media.THUMB_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return media.serve_file(name, mime)


@router.post(
    "/uploads",
    auth=GENERATE,
    response={201: UploadOut, ERROR_CODES: Error},
    url_name="upload-create",
    summary="Upload a photo, for references, edits and try-on",
)
def upload_create(
    request: HttpRequest,
    file: File[UploadedFile | None] = None,
    purpose: Form[Literal["reference", "person", "garment", "edit"]] = "reference",
):
    """Checked as the studio checks uploads (type, size, pixel count), turned upright
    and stripped of EXIF/GPS. The same photo uploaded twice is kept once: a retry
    returns the same upload. Use `reference` ({"upload_id": id}) in POST /generations.
    Multipart: `file` (a JPEG, PNG, WebP or HEIC photo) and `purpose`."""
    try:
        upload = receive_upload(user=request.user, file=file, purpose=purpose)
    except PhotoRejected as exc:
        raise invalid(str(exc), {"file": [str(exc)]}) from None
    return Status(201, present.upload(request, upload))


@router.get(
    "/uploads/{int:upload_id}/original",
    auth=READ,
    response={ERROR_CODES: Error},
    url_name="upload-original",
    summary="An upload's photo, as kept (cleaned)",
    openapi_extra=FILE_RESPONSES,
)
def upload_original(request: HttpRequest, upload_id: PathID):
    upload: Upload = get_upload_for_user(request.user, upload_id)
    return media.serve_file(upload.file.name or "", upload.mime_type)


@router.get(
    "/uploads/{int:upload_id}/thumb",
    auth=READ,
    response={ERROR_CODES: Error},
    url_name="upload-thumb",
    summary="An upload's thumbnail (WebP)",
    openapi_extra=FILE_RESPONSES,
)
def upload_thumb(request: HttpRequest, upload_id: PathID):
    upload = get_upload_for_user(request.user, upload_id)
    return media.serve_file(upload.thumbnail.name or "", "image/webp")
