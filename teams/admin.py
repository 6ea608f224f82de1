from django.contrib import admin

from teams.models import (
    Budget,
    BudgetAlert,
    BudgetPeriod,
    GatewayCheck,
    Membership,
    ReconciliationRun,
    Team,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


class BudgetInline(admin.TabularInline):
    model = Budget
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "amount", "period", "updated_at")
    readonly_fields = ("updated_at",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    inlines = [MembershipInline, BudgetInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "role", "joined_at")
    list_filter = ("role", "team")
    raw_id_fields = ("user",)


class BudgetPeriodInline(admin.TabularInline):
    """Kept periods: history, so shown read-only (the running totals move only
    through reserve and settle)."""

    model = BudgetPeriod
    extra = 0
    can_delete = False
    fields = ("starts_at", "ends_at", "limit", "reserved", "spent")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("team", "user", "amount", "period", "updated_at")
    list_filter = ("period", "team")
    raw_id_fields = ("user",)
    list_select_related = ("team", "user")
    inlines = [BudgetPeriodInline]


@admin.register(BudgetPeriod)
class BudgetPeriodAdmin(admin.ModelAdmin):
    list_display = ("budget", "starts_at", "ends_at", "limit", "reserved", "spent")
    list_filter = ("budget__team",)
    list_select_related = ("budget__team", "budget__user")
    date_hierarchy = "starts_at"
    readonly_fields = ("reserved", "spent")


@admin.register(GatewayCheck)
class GatewayCheckAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "status", "checked_at", "models_count", "message")
    list_filter = ("status",)
    readonly_fields = ("requested_at", "checked_at", "status", "message", "models_count")


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    list_display = ("period", "threshold", "spent", "limit", "fired_at", "dismissed_at")
    list_filter = ("threshold",)
    raw_id_fields = ("period",)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = ("ran_at", "ok", "checked")
    readonly_fields = ("ran_at", "ok", "checked", "drift")
