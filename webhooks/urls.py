"""webhooks: its pages (filled in by the feature)."""

urlpatterns: list = []
