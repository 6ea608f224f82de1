"""The gallery, comparisons and bulk actions."""

urlpatterns: list = []
