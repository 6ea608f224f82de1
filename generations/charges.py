"""Settling a generation: the ledger's settlement, and the generation's cost with it.

The cost on the row is a copy kept for the pages that list generations: the sum of the
generation's settlements, added to in the settlement's own transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Value
from django.db.models.functions import Coalesce

from generations.models import Generation
from spend import ledger
from spend.models import LedgerEntry


def settle(generation: Generation, charge: ledger.Charge) -> LedgerEntry | None:
    """End the open hold with `charge` (None when none is open) and add it to the
    generation's cost."""
    entry = ledger.settle(generation, charge)
    if entry is not None:
        Generation.objects.filter(pk=generation.pk).update(
            cost=Coalesce(F("cost"), Value(Decimal(0))) + charge.usd
        )
    return entry
