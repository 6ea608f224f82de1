from django.urls import path

from generations import media, views

urlpatterns = [
    path("", views.studio, name="studio"),
    path("studio/fields", views.studio_fields, name="studio-fields"),
    path("studio/estimate", views.studio_estimate, name="studio-estimate"),
    path("generate", views.generate, name="generate"),
    path("generations/<int:pk>", views.generation_detail, name="generation-detail"),
    path("generations/<int:pk>/card", views.generation_card, name="generation-card"),
    path("history", views.history, name="history"),
    path("catalog/refresh", views.catalog_refresh, name="catalog-refresh"),
    path("media/images/<int:pk>/original", media.image_original, name="image-original"),
    path("media/images/<int:pk>/thumb", media.image_thumb, name="image-thumb"),
    path("media/uploads/<int:pk>/original", media.upload_original, name="upload-original"),
    path("media/uploads/<int:pk>/thumb", media.upload_thumb, name="upload-thumb"),
]
