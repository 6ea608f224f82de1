from django.contrib import admin

from spend.models import (
    Budget,
    BudgetAlert,
    BudgetPeriod,
    GatewayAttempt,
    LedgerEntry,
    ModelPrice,
    ReconciliationRun,
)
from teams.admin import TeamAdmin
from teams.models import Team


class BudgetInline(admin.TabularInline):
    model = Budget
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "amount", "period", "updated_at")
    readonly_fields = ("updated_at",)


class TeamWithBudgetsAdmin(TeamAdmin):
    """The team page, with its budgets: the money layer extends the team admin."""

    inlines = [*TeamAdmin.inlines, BudgetInline]


admin.site.unregister(Team)
admin.site.register(Team, TeamWithBudgetsAdmin)


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


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    list_display = ("period", "threshold", "spent", "limit", "fired_at", "dismissed_at")
    list_filter = ("threshold",)
    raw_id_fields = ("period",)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = ("ran_at", "ok", "checked")
    readonly_fields = ("ran_at", "ok", "checked", "drift")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """The record of truth: read-only here; money moves only through the services."""

    list_display = (
        "id", "generation", "user", "team", "kind", "hold", "amount", "unconfirmed", "spent_at"
    )  # fmt: skip
    list_filter = ("kind", "unconfirmed", "spent_at")
    raw_id_fields = ("generation", "user", "team")
    date_hierarchy = "spent_at"
    list_select_related = ("user", "team")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GatewayAttempt)
class GatewayAttemptAdmin(LedgerEntryAdmin):
    list_display = ("id", "generation", "number", "claim", "outcome", "billed", "sent_at")
    list_filter = ("outcome",)
    raw_id_fields = ("generation",)
    date_hierarchy = "sent_at"
    list_select_related = ()


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    """Prices for models the catalog does not price: team empty for the studio-wide one."""

    list_display = ("model_id", "team", "usd_per_image", "set_by", "updated_at")
    list_filter = ("team",)
    raw_id_fields = ("team", "set_by")
    search_fields = ("model_id",)

    def save_model(self, request, obj, form, change) -> None:
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
