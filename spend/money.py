"""Money in words: the one format every page, message, chart and e-mail uses
(written once, as llmtr.pricing.usd_text, so cost bases use it too). Unit prices
(rates: $0.039 an image, $5 per 1M tokens) are shown as the catalog gives them.

Under a dollar four places ($0.0423), from a dollar up cents ($9.94, $1,204.50), zero
as $0.00. Amounts are exact Decimals everywhere else (the ledger keeps ten places);
only this module rounds, and it says which way: half up for a figure on its own,
down for what is left of a budget and up for what something will cost, so that "has
$0.0099 left and this is estimated at $0.0100" can never read as a contradiction.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from llmtr.pricing import Cost, display_places, usd_text


def usd(value: Decimal | int | str | None, *, rounding: str = ROUND_HALF_UP) -> str:
    if value is None:
        return "–"
    return usd_text(Decimal(value), rounding)


def rate(value: Decimal) -> str:
    """A unit price as the catalog gives it, every digit kept: $0.039, $5."""
    return f"${Decimal(value).normalize():f}"


def usd_left(value: Decimal) -> str:
    """What is left of a budget: rounded down, never promising more than there is."""
    return usd(max(Decimal(0), Decimal(value)), rounding=ROUND_FLOOR)


def usd_cost(value: Decimal) -> str:
    """What something will cost: rounded up, never promising less than it takes."""
    return usd(value, rounding=ROUND_CEILING)


def held(cost: Cost) -> Cost:
    """The estimate the studio holds and shows: rounded up to the format's precision,
    so the figure on the page is exactly the amount held against the budget."""
    amount = cost.usd.quantize(display_places(cost.usd), rounding=ROUND_CEILING)
    if amount == cost.usd:
        return cost
    return Cost(amount, f"{cost.basis}, held as {usd_text(amount)} (rounded up)")


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above `value`: a chart axis's top,
    so its ticks read $0.50 / $1.00 rather than $0.4245 / $0.8490."""
    if value <= 0:
        return Decimal(0)
    exponent = value.adjusted()
    for _ in range(2):
        for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
            top = step.scaleb(exponent)
            if top >= value:
                return top
        exponent += 1
    return Decimal(10).scaleb(exponent)
