"""Uploads, reference pickers, the try-on wizard and xAI edits."""

from django.urls import path

from generations import media_uploads, views_inputs

urlpatterns = [
    path("uploads", views_inputs.upload_create_view, name="upload-create"),
    path("media/uploads/<int:pk>/original", media_uploads.upload_original, name="upload-original"),
    path("media/uploads/<int:pk>/thumb", media_uploads.upload_thumb, name="upload-thumb"),
    path("references/chip", views_inputs.reference_chip, name="reference-chip"),
    path("references/picker", views_inputs.reference_picker, name="reference-picker"),
    path("edit", views_inputs.edit, name="edit"),
    path("tryon", views_inputs.tryon, name="tryon"),
]
