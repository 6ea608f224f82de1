from django.contrib import admin

from dashboard.models import GatewayCheck


@admin.register(GatewayCheck)
class GatewayCheckAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "status", "checked_at", "models_count", "message")
    list_filter = ("status",)
    readonly_fields = ("requested_at", "checked_at", "status", "message", "models_count")
