"""Share links: making and stopping them, the lists, and the pages a link opens."""

from django.urls import path

from shares import public, views

urlpatterns = [
    path("boards/<int:pk>/share", views.board_share, name="board-share"),
    path("images/<int:pk>/share", views.image_share, name="image-share"),
    path("shares", views.my_shares, name="shares"),
    path("shares/<int:pk>/revoke", views.share_revoke, name="share-revoke"),
    path("team/shares", views.team_shares, name="team-shares"),
    # No sign-in: the token is the key (shares.public checks it on every request).
    path("s/<slug:token>", public.share_page, name="share"),
    path("s/<slug:token>/image/<int:image_pk>/thumb", public.share_thumb, name="share-thumb"),
    path(
        "s/<slug:token>/image/<int:image_pk>/original",
        public.share_original,
        name="share-original",
    ),
]
