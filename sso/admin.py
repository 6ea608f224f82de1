from django.contrib import admin

from sso.models import SsoIdentity


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "issuer", "last_login", "created_at")
    search_fields = ("email", "subject", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("issuer", "subject", "created_at", "last_login")
