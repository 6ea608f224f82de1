"""A user's teams: the switcher, new teams, invite links, leaving. The team or invite
a POST acts on travels in its body, so every URL here is a fixed one."""

from django.urls import path

from teams import views

urlpatterns = [
    path("", views.team_list, name="teams"),
    path("new", views.team_new, name="team-new"),
    path("switch", views.team_switch, name="team-switch"),
    path("leave", views.team_leave, name="team-leave"),
    path("invites", views.invite_create, name="team-invite-create"),
    path("invites/revoke", views.invite_revoke, name="team-invite-revoke"),
    path("join/<str:token>", views.invite_join, name="team-join"),
]
