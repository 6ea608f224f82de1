"""Uploads, reference pickers, the try-on wizard and xAI edits."""

urlpatterns: list = []
