from django import template

from boards import queries

register = template.Library()


@register.filter
def capped_count(count: int | None) -> str:
    """A board's item count as lists show it: counted up to COUNT_CAP, then "1,000+"."""
    if count is None:
        return "0"
    cap = queries.COUNT_CAP
    return f"{cap:,}+" if count >= cap else f"{count:,}"
