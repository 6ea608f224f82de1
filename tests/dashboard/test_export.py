"""CSV export: one row per generation in the range, parseable by Python's csv
module, and its cost column adds up to the ledger's settlements for the same rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse

from dashboard.views import CSV_HEADER
from generations.models import GeneratedImage
from spend.models import LedgerEntry
from teams.access import membership_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False):
        yield


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


def test_one_row_per_generation_and_the_costs_add_up_to_the_ledger(
    team_admin_client, owner, teammate, stranger, add_generation
):
    made = [
        add_generation(owner, cost="0.0400000000", at=at(11, 2)),
        add_generation(teammate, cost="0.0108900000", model_id="openai/gpt-image-2", at=at(11, 3)),
        add_generation(
            teammate, cost="0.0000000001", model_id="xai/grok-imagine-image", at=at(11, 4)
        ),
        add_generation(owner, cost="0", status="failed", error_type="provider_error", at=at(11, 5)),
        add_generation(owner, cost=None, status="queued", at=at(11, 6)),
    ]
    add_generation(owner, cost="5", at=at(10, 30))  # outside the range
    add_generation(stranger, cost="5", at=at(11, 2))  # another team
    GeneratedImage.objects.bulk_create(
        GeneratedImage(generation=made[0], index=i, width=1, height=1, mime_type="image/png",
                       bytes=1, thumb_width=1, thumb_height=1, file=f"f{i}", thumbnail=f"t{i}")
        for i in range(2)
    )  # fmt: skip

    response = team_admin_client.get(
        reverse("team-export"), {"from": "2026-11-01", "to": "2026-11-30"}
    )

    rows = read_csv(response)
    assert "attachment" in response["Content-Disposition"]
    assert list(rows[0]) == CSV_HEADER
    assert [int(r["id"]) for r in rows] == [g.pk for g in made]
    first = rows[0]
    assert (first["member"], first["model"], first["kind"], first["status"], first["images"]) == (
        "owner",
        "recraft/recraft-v4",
        "text",
        "succeeded",
        "2",
    )
    assert datetime.fromisoformat(first["created_at"]) == at(11, 2)
    assert rows[3]["error_type"] == "provider_error"
    assert rows[4]["cost"] == ""  # not settled yet

    total = sum((Decimal(r["cost"]) for r in rows if r["cost"]), Decimal(0))
    settled = LedgerEntry.objects.filter(
        kind="settlement", generation_id__in=[int(r["id"]) for r in rows]
    ).aggregate(s=Sum("amount"))["s"]
    assert total == settled == Decimal("0.0508900001")


def test_the_export_defaults_to_the_current_period_and_follows_the_filters(
    team_admin_client, owner, teammate, add_generation
):
    add_generation(owner, cost="0.04", at=at(11, 2))
    mine = add_generation(teammate, cost="0.04", at=at(11, 2))
    add_generation(owner, cost="0.04", at=at(10, 2))

    assert len(read_csv(team_admin_client.get(reverse("team-export")))) == 2
    rows = read_csv(team_admin_client.get(reverse("team-export"), {"member": teammate.pk}))
    assert [int(r["id"]) for r in rows] == [mine.pk]
    october = team_admin_client.get(
        reverse("team-export"), {"from": "2026-10-01", "to": "2026-10-31"}
    )
    assert len(read_csv(october)) == 1
    assert "20261001-20261031.csv" in october["Content-Disposition"]


def test_text_a_spreadsheet_would_run_is_defused(
    team_admin_client, django_user_model, owner, add_generation
):
    from teams.models import Membership

    sly = django_user_model.objects.create_user(username="=cmd", password="pw")
    Membership.objects.create(user=sly, team=membership_of(owner).team)
    add_generation(sly, cost="0.04", at=at(11, 2), model_id="@sum(a1)")

    [row] = read_csv(team_admin_client.get(reverse("team-export")))
    assert (row["member"], row["model"]) == ("'=cmd", "'@sum(a1)")


def test_a_bad_range_is_a_clear_error(team_admin_client):
    response = team_admin_client.get(
        reverse("team-export"), {"from": "2026-11-30", "to": "2026-11-01"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
