"""The boards menu of the main navigation, read only if a page shows it: one query
for the recent boards, their item counts and the total (queries.nav_boards)."""

from functools import cache

from django.http import HttpRequest

from boards.queries import nav_boards


def boards_nav(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"boards_nav": cache(lambda: nav_boards(user))}
