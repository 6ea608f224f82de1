from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("team/", include("teams.urls")),
    path("", include("generations.urls_inputs")),
    path("", include("generations.urls_gallery")),
    path("", include("generations.urls")),
]
