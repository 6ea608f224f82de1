from django.contrib import admin
from django.urls import include, path

from studio.health import HealthView, LiveView
from studio.signin import SignInView

urlpatterns = [
    # For load balancers and orchestrators: no sign-in, no user data (studio/health.py).
    path("health/", HealthView.as_view(), name="health"),
    path("health/live/", LiveView.as_view(), name="health-live"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    # The admin signs in through the same limited view.
    path("admin/login/", SignInView.as_view()),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("team/", include("dashboard.urls")),
    path("teams/", include("teams.urls")),
    path("team/", include("webhooks.urls")),
    path("", include("api.urls")),
    path("", include("sso.urls")),
    path("", include("references.urls")),
    path("", include("edits.urls")),
    path("", include("tryon.urls")),
    path("", include("presets.urls")),
    path("", include("matrix.urls")),
    path("", include("gallery.urls")),
    path("", include("boards.urls")),
    path("", include("shares.urls")),
    path("", include("generations.urls")),
]
