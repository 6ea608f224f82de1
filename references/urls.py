"""Uploads, one reference chip, and the reference picker."""

from django.urls import path

from references import views

urlpatterns = [
    path("uploads", views.upload_create_view, name="upload-create"),
    path("references/chip", views.reference_chip, name="reference-chip"),
    path("references/picker", views.reference_picker, name="reference-picker"),
]
