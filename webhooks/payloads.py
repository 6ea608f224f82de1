"""The `data` of each event, from the rows it is about.

Money is a decimal string (never a float); times are ISO 8601; links are the studio's
own access-checked URLs (absolute when STUDIO_URL is set), never a gateway's.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from generations.models import Generation
from matrix.models import MatrixCell, MatrixRun
from spend.models import BudgetAlert
from teams.models import Team


def link(name: str, *args: Any) -> str:
    return settings.STUDIO_URL.rstrip("/") + reverse(name, args=args)


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def team_data(team: Team | None) -> dict[str, Any] | None:
    return {"id": team.pk, "name": team.name} if team else None


def generation_data(generation: Generation) -> dict[str, Any]:
    failed = generation.status == Generation.Status.FAILED
    return {
        "id": generation.pk,
        "status": generation.status,
        "kind": generation.kind,
        "model": generation.model_id,
        "provider": generation.provider,
        "prompt": generation.prompt,
        "cost": money(generation.cost),
        "estimated_cost": money(generation.estimated_cost),
        "currency": "USD",
        "owner": {"id": generation.owner_id, "username": generation.owner.get_username()},
        "team": team_data(generation.team),
        "created_at": when(generation.created_at),
        "finished_at": when(generation.finished_at),
        "url": link("generation-detail", generation.pk),
        "images": [
            {
                "index": image.index,
                "url": link("image-original", image.pk),
                "thumbnail_url": link("image-thumb", image.pk),
                "mime_type": image.mime_type,
                "width": image.width,
                "height": image.height,
                "bytes": image.bytes,
                "sha256": image.sha256,
            }
            for image in generation.images.order_by("index")
        ],
        "error": (
            {"type": generation.error_type, "message": generation.error_message} if failed else None
        ),
    }


def approval_data(generation: Generation) -> dict[str, Any]:
    return {
        "generation": {
            "id": generation.pk,
            "model": generation.model_id,
            "kind": generation.kind,
            "prompt": generation.prompt,
            "estimated_cost": money(generation.estimated_cost),
            "currency": "USD",
            "owner": {"id": generation.owner_id, "username": generation.owner.get_username()},
            "created_at": when(generation.created_at),
            "url": link("generation-detail", generation.pk),
        },
        "team": team_data(generation.team),
        "approve_url": link("team-dashboard") + "#approvals",
    }


def budget_data(alert: BudgetAlert) -> dict[str, Any]:
    period = alert.period
    budget = period.budget
    return {
        "alert_id": alert.pk,
        "threshold_percent": alert.threshold,
        "spent": money(alert.spent),
        "limit": money(alert.limit),
        "currency": "USD",
        "budget": {
            "scope": "member" if budget.user_id else "team",
            "member": budget.user.get_username() if budget.user else None,
            "period": budget.period,
        },
        "period": {"starts_at": when(period.starts_at), "ends_at": when(period.ends_at)},
        "team": team_data(budget.team),
        "fired_at": when(alert.fired_at),
        "dashboard_url": link("team-dashboard"),
    }


def matrix_data(run: MatrixRun) -> dict[str, Any]:
    cells = list(run.cells.values("status", "cost", "earlier_cost", "generation_id"))
    counts: dict[str, int] = {}
    for cell in cells:
        counts[cell["status"]] = counts.get(cell["status"], 0) + 1
    cost = sum((c["cost"] or Decimal(0)) + c["earlier_cost"] for c in cells)
    return {
        "id": run.pk,
        "status": run.status,
        "template": run.template,
        "models": list(run.model_ids),
        "variables": run.variable_names,
        "cells": counts,
        "generation_ids": [
            c["generation_id"]
            for c in cells
            if c["status"] == MatrixCell.Status.SUCCEEDED and c["generation_id"]
        ],
        "cost": money(Decimal(cost)),
        "estimated_total": money(run.estimated_total),
        "cap": money(run.cap),
        "currency": "USD",
        "owner": {"id": run.owner_id, "username": run.owner.get_username()},
        "team": team_data(run.team),
        "created_at": when(run.created_at),
        "finished_at": when(run.finished_at),
        "url": link("matrix-run", run.pk),
    }
