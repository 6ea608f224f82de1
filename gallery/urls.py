"""The gallery, comparisons and bulk actions."""

from django.urls import path

from gallery import views as views

urlpatterns = [
    path("gallery", views.gallery_view, name="gallery"),
    path("gallery/tiles/<int:pk>", views.gallery_tile, name="gallery-tile"),
    path("gallery/bulk", views.gallery_bulk, name="gallery-bulk"),
    path("gallery/zip", views.gallery_zip, name="gallery-zip"),
    path("generations/<int:pk>/favourite", views.generation_favourite, name="generation-favourite"),
    path("generations/<int:pk>/delete", views.generation_delete, name="generation-delete"),
    path("compare", views.compare, name="compare"),
    path("compare/<int:pk>", views.compare_detail, name="compare-detail"),
    path(
        "compare/<int:pk>/generations/<int:generation_pk>",
        views.compare_column,
        name="compare-column",
    ),
    path(
        "compare/<int:pk>/generations/<int:generation_pk>/retry",
        views.compare_retry,
        name="compare-retry",
    ),
]
