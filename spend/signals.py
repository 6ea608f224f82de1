"""Signals for apps above this one: they hear of money events without being imported
here (see .importlinter)."""

from django.dispatch import Signal

# Sent after the settlement that crossed one or more budget thresholds has committed,
# once per new alert row. Keyword: alert_ids (spend.models.BudgetAlert ids).
budget_threshold_crossed = Signal()
