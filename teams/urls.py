"""The team admin dashboard."""

urlpatterns: list = []
