"""Company sign-in. The names are mozilla-django-oidc's, which it reverses itself."""

from django.urls import path

from sso import views

urlpatterns = [
    path("sso/start", views.StartView.as_view(), name="oidc_authentication_init"),
    path("sso/callback", views.CallbackView.as_view(), name="oidc_authentication_callback"),
]
