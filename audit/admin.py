"""The audit log in Django's admin: read-only, for studio staff looking across teams.
No add, change or delete, and no bulk actions (delete_selected included)."""

from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "team_id", "action", "actor_username", "target_label")
    list_filter = ("action",)
    search_fields = ("actor_username", "target_label", "action")
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
