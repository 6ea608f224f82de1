"""The team pages' reminder of endpoints the studio turned off (templates/dashboard/
_nav.html includes webhooks/_nav_link.html and webhooks/_notice.html): it stays until
an admin turns the endpoint back on or deletes it."""

from django import template

from teams.models import Team
from webhooks.models import Endpoint

register = template.Library()
_CACHE = "_webhooks_turned_off"


@register.simple_tag
def endpoints_turned_off(team: Team | str | None, besides: object = None) -> list[Endpoint]:
    """Endpoints turned off by failures, not by an admin: one query a page, kept on
    the team object for the nav badge and the notice (which leaves out `besides`, the
    endpoint whose own page says it already)."""
    if not isinstance(team, Team):  # a page without a team in its context
        return []
    cached: list[Endpoint] | None = getattr(team, _CACHE, None)
    if cached is None:
        cached = list(
            Endpoint.objects.filter(team=team, enabled=False, disabled_by_failures=True).order_by(
                "-disabled_at"
            )
        )
        setattr(team, _CACHE, cached)
    return [e for e in cached if not (isinstance(besides, Endpoint) and e.pk == besides.pk)]
