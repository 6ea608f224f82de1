"""shares: its pages (filled in by the feature)."""

urlpatterns: list = []
