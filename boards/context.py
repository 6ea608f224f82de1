"""The number of boards in the main navigation, counted only if a page shows it."""

from functools import cache

from django.http import HttpRequest

from boards.queries import boards_count


def boards_nav(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"boards_count": cache(lambda: boards_count(user))}
