from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from generations.models import (
    CatalogEntry,
    GeneratedImage,
    Generation,
)


@admin.register(CatalogEntry)
class CatalogEntryAdmin(admin.ModelAdmin):
    list_display = ("model_id", "name", "provider", "is_active", "is_retired", "refreshed_at")
    list_filter = ("provider", "is_active", "is_retired")
    search_fields = ("model_id", "name")


def _original_link(image: GeneratedImage) -> str:
    # Storage has no public URL (media is private): link to the access-checked view.
    return format_html('<a href="{}">open</a>', reverse("image-original", args=[image.pk]))


class GeneratedImageInline(admin.TabularInline):
    model = GeneratedImage
    extra = 0
    can_delete = False
    fields = ("index", "mime_type", "width", "height", "bytes", "sha256", "archived_at", "original")
    readonly_fields = fields

    @admin.display(description="original")
    def original(self, image: GeneratedImage) -> str:
        return _original_link(image)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "team",
        "model_id",
        "kind",
        "status",
        "estimated_cost",
        "cost",
        "created_at",
    )
    list_filter = ("status", "kind", "provider", "created_at")
    search_fields = ("prompt", "model_id", "owner__username", "error_message")
    raw_id_fields = ("owner", "team", "parent")
    date_hierarchy = "created_at"
    list_select_related = ("owner", "team")
    readonly_fields = ("created_at", "enqueued_at", "started_at", "finished_at", "attempts")
    inlines = (GeneratedImageInline,)


@admin.register(GeneratedImage)
class GeneratedImageAdmin(admin.ModelAdmin):
    list_display = ("id", "generation", "index", "mime_type", "width", "height", "bytes")
    list_filter = ("mime_type",)
    raw_id_fields = ("generation",)
    search_fields = ("sha256",)
    # Stored files are shown as links to the media view; storage itself has no URL.
    exclude = ("file", "thumbnail")
    readonly_fields = ("original",)

    @admin.display(description="original")
    def original(self, image: GeneratedImage) -> str:
        return _original_link(image)
