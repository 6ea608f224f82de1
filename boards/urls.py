"""Boards: the list, one board, adding to, changing and downloading boards."""

from django.urls import path

from boards import views

urlpatterns = [
    path("boards", views.board_list, name="boards"),
    path("boards/add", views.board_add, name="boards-add"),
    path("boards/<int:pk>", views.board_detail, name="board"),
    path("boards/<int:pk>/edit", views.board_edit, name="board-edit"),
    path("boards/<int:pk>/delete", views.board_delete, name="board-delete"),
    path("boards/<int:pk>/items", views.board_items, name="board-items"),
    path("boards/<int:pk>/items/move", views.board_move, name="board-move"),
    path("boards/<int:pk>/thumbs/<int:image_pk>", views.board_thumb, name="board-thumb"),
    path("boards/<int:pk>/zip", views.board_zip, name="board-zip"),
]
