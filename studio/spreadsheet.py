"""CSV that is safe to open in a spreadsheet: one rule for every export.

Text from users or the gateway that a spreadsheet would run as a formula is prefixed
with an apostrophe (the OWASP advice on CSV injection); numbers the studio writes
itself are passed through as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Echo:
    """csv.writer writes into this and gets the line back: one line per chunk sent."""

    def write(self, value: str) -> str:
        return value
