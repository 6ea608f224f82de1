from django.urls import path

from edits import views

urlpatterns = [path("edit", views.edit, name="edit")]
