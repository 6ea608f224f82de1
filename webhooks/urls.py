"""The webhook pages, under /team/ (studio/urls.py): team admins only."""

from django.urls import path

from webhooks import views

urlpatterns = [
    path("webhooks", views.endpoint_list, name="team-webhooks"),
    path("webhooks/<int:pk>", views.endpoint_detail, name="team-webhook"),
    path("webhooks/<int:pk>/delete", views.endpoint_delete, name="team-webhook-delete"),
    path("webhooks/<int:pk>/rotate", views.endpoint_rotate, name="team-webhook-rotate"),
    path("webhooks/<int:pk>/test", views.endpoint_test, name="team-webhook-test"),
    path("webhooks/deliveries", views.delivery_list, name="team-webhook-deliveries"),
    path("webhooks/deliveries/<int:pk>", views.delivery_detail, name="team-webhook-delivery"),
    path(
        "webhooks/deliveries/<int:pk>/resend",
        views.delivery_resend,
        name="team-webhook-resend",
    ),
]
