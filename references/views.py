"""Uploads, one reference chip, and the reference picker.

A token naming something the user may not use (another user's upload, a deleted image)
is a 404, the same as an id that does not exist, so nobody learns what others have.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from generations.chips import chip_for
from generations.inputs import (
    SVG_NOT_A_REFERENCE,
    InputChoice,
    ReferenceProblem,
    parse_choice,
    receive_upload,
)
from generations.models import Upload
from generations.photos import PhotoRejected
from llmtr.spec import SVG_MIME as SVG
from references.picker import picker_items
from teams.access import login_required

CHIP = "references/_chip.html"


@require_POST
@login_required
def upload_create_view(request: HttpRequest) -> HttpResponse:
    """POST /uploads: multipart `file` (+ `purpose`). htmx gets the chip to show,
    anything else JSON. A rejected photo is a 400 with the reason; nothing is kept."""
    purpose = request.POST.get("purpose") or Upload.Purpose.REFERENCE
    try:
        if purpose not in Upload.Purpose.values:
            raise PhotoRejected("Unknown purpose: use reference, person, garment or edit.")
        upload = receive_upload(user=request.user, file=request.FILES.get("file"), purpose=purpose)
    except PhotoRejected as exc:
        if request.htmx:
            return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
        return JsonResponse({"error": str(exc)}, status=400)
    chip = chip_for(InputChoice(role="reference", upload=upload))
    if request.htmx:
        return render(request, CHIP, {"chip": chip}, status=201)
    return JsonResponse(
        {
            "id": upload.pk,
            "token": chip.token,
            "name": upload.original_name,
            "width": upload.width,
            "height": upload.height,
            "mime_type": upload.mime_type,
            "original_url": reverse("upload-original", args=[upload.pk]),
            "thumb_url": chip.thumb_url,
        },
        status=201,
    )


@require_GET
@login_required
def reference_chip(request: HttpRequest) -> HttpResponse:
    """The chip for one token the user picked or pasted, checked by the server."""
    token = request.GET.get("token", "").strip()
    try:
        choice = parse_choice(request.user, token)
    except ReferenceProblem as exc:
        if token.startswith(("upload:", "image:")):
            raise Http404("No such image.") from None
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if choice.mime_type == SVG:
        message = SVG_NOT_A_REFERENCE
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return render(request, CHIP, {"chip": chip_for(choice)})


@require_GET
@login_required
def reference_picker(request: HttpRequest) -> HttpResponse:
    """The user's recent uploads and images, to click into the reference chips."""
    return render(request, "references/_picker.html", {"items": picker_items(request.user)})
