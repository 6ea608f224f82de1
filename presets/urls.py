"""Presets and the team's brand kit."""

from django.urls import path

from presets import views

urlpatterns = [
    path("presets", views.preset_list, name="presets"),
    path("presets/new", views.preset_create, name="preset-create"),
    path("presets/brand-kit", views.brand_kit, name="preset-brand-kit"),
    path("presets/<int:pk>", views.preset_detail, name="preset-detail"),
    path("presets/<int:pk>/apply", views.preset_apply, name="preset-apply"),
    path("presets/<int:pk>/edit", views.preset_edit, name="preset-edit"),
    path("presets/<int:pk>/delete", views.preset_delete, name="preset-delete"),
]
