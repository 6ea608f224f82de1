from django.urls import path

from tryon import views

urlpatterns = [path("tryon", views.tryon, name="tryon")]
