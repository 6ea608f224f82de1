"""The team admin dashboard."""

from django.urls import path

from dashboard import views, views_audit, views_members, views_money

urlpatterns = [
    path("", views.team_dashboard, name="team-dashboard"),
    path("generations", views.team_generations, name="team-generations"),
    path("export.csv", views.team_export, name="team-export"),
    path("members", views_members.team_members, name="team-members"),
    path("audit", views_audit.team_audit, name="team-audit"),
    path("audit.csv", views_audit.team_audit_csv, name="team-audit-csv"),
    path("members/<int:user_id>/role", views_members.member_role, name="team-member-role"),
    path("members/<int:user_id>/remove", views_members.member_remove, name="team-member-remove"),
    path("budgets", views_members.team_budgets, name="team-budgets"),
    path("retention", views_members.team_retention, name="team-retention"),
    path("gateway", views.gateway_panel, name="team-gateway"),
    path("storage", views.storage_panel, name="team-storage"),
    path(
        "approvals/<int:generation_id>/approve",
        views_money.approval_approve,
        name="team-approval-approve",
    ),
    path(
        "approvals/<int:generation_id>/reject",
        views_money.approval_reject,
        name="team-approval-reject",
    ),
    path("approvals/settings", views_money.approval_settings, name="team-approval-settings"),
    path("alerts/<int:alert_id>/dismiss", views_money.alert_dismiss, name="team-alert-dismiss"),
    path("prices", views_money.price_set, name="team-price-set"),
    path("gateway/check", views.gateway_check, name="team-gateway-check"),
]
