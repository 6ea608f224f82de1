"""The team admin dashboard."""

from django.urls import path

from teams import views, views_members

urlpatterns = [
    path("", views.team_dashboard, name="team-dashboard"),
    path("generations", views.team_generations, name="team-generations"),
    path("export.csv", views.team_export, name="team-export"),
    path("members", views_members.team_members, name="team-members"),
    path("members/<int:user_id>/role", views_members.member_role, name="team-member-role"),
    path("members/<int:user_id>/remove", views_members.member_remove, name="team-member-remove"),
    path("budgets", views_members.team_budgets, name="team-budgets"),
    path("gateway", views.gateway_panel, name="team-gateway"),
    path("gateway/check", views.gateway_check, name="team-gateway-check"),
]
