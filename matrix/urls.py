"""Matrix runs: a template crossed with values and models, priced before it starts."""

from django.urls import path

from matrix import views

urlpatterns = [
    path("matrix", views.matrix_list, name="matrix"),
    path("matrix/new", views.matrix_new, name="matrix-new"),
    path("matrix/preview", views.matrix_preview, name="matrix-preview"),
    path("matrix/<int:pk>", views.matrix_run, name="matrix-run"),
    path("matrix/<int:pk>/grid", views.matrix_grid, name="matrix-grid"),
    path("matrix/<int:pk>/retry", views.matrix_retry, name="matrix-retry"),
    path("matrix/<int:pk>/cancel", views.matrix_cancel, name="matrix-cancel"),
    path("matrix/<int:pk>/approve", views.matrix_approve, name="matrix-approve"),
    path("matrix/<int:pk>/decline", views.matrix_decline, name="matrix-decline"),
    path(
        "matrix/<int:pk>/contact-sheet.png", views.matrix_contact_sheet, name="matrix-contact-sheet"
    ),
    path("matrix/<int:pk>/export.zip", views.matrix_zip, name="matrix-zip"),
]
