"""What a matrix run hears from the layers below it."""

from __future__ import annotations

from typing import Any

from matrix import services


def cell_settled(*, generation_id: int, **_signal: Any) -> None:
    """A generation ended (generations.signals.generation_settled): if it is a cell's,
    the run notes it and sends its next cells."""
    services.generation_settled(generation_id)
