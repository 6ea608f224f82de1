"""The generations behind a bar: filtered by range and facet, keyset pages by id
(no OFFSET), each linking to a detail page the admin may open."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import listing

pytestmark = pytest.mark.django_db

LIST = reverse("team-generations")


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False):
        yield


def ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-generation="(\d+)"', response.content.decode())]


def test_pages_go_by_id_without_offset(team_admin_client, owner, add_generation, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    made = [add_generation(owner, at=datetime(2026, 11, 1 + i, tzinfo=UTC)).pk for i in range(7)]

    seen, url = [], f"{LIST}?from=2026-11-01&to=2026-11-30"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = team_admin_client.get(url)
        assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
        seen.append(ids(response))
        found = re.search(r'href="([^"]+)" rel="next"', response.content.decode())
        url = found.group(1).replace("&amp;", "&") if found else None

    assert seen == [made[6:3:-1], made[3:0:-1], made[0:1]]


def test_it_defaults_to_the_current_period(team_admin_client, owner, add_generation):
    now = add_generation(owner, at=datetime(2026, 11, 2, tzinfo=UTC))
    add_generation(owner, at=datetime(2026, 10, 2, tzinfo=UTC))
    response = team_admin_client.get(LIST)
    assert ids(response) == [now.pk]
    assert "1 Nov 2026 – 30 Nov 2026" in response.content.decode()


def test_the_heading_says_what_is_shown(team_admin_client, owner, add_generation):
    add_generation(
        owner, cost="0.25", model_id="recraft/recraft-v4-pro", at=datetime(2026, 11, 2, tzinfo=UTC)
    )
    page = team_admin_client.get(
        LIST,
        {
            "from": "2026-11-01",
            "to": "2026-11-30",
            "model": "recraft/recraft-v4-pro",
            "member": owner.pk,
        },
    ).content.decode()
    assert "Recraft V4 Pro · owner, 1 Nov 2026 – 30 Nov 2026" in " ".join(page.split())
    assert "1 generation, $0.2500 in total." in page


def test_the_admin_may_open_each_listed_generation(team_admin_client, owner, add_generation):
    generation = add_generation(owner, at=datetime(2026, 11, 2, tzinfo=UTC))
    page = team_admin_client.get(LIST).content.decode()
    detail = reverse("generation-detail", args=[generation.pk])
    assert f'href="{detail}"' in page
    assert team_admin_client.get(detail).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"from": "yesterday"},
        {"day": "2026-02-30"},
        {"member": "x"},
        {"member": "9" * 40},
        {"before": "-1"},
        {"status": "deleted"},
        {"model": "m" * 500},
        {"from": "2026-11-30", "to": "2026-11-01"},
    ],
)
def test_tampered_filters_get_a_clear_message_not_a_500(team_admin_client, query):
    response = team_admin_client.get(LIST, query)
    assert response.status_code == 400
    assert "These filters were not understood" in response.content.decode()


def test_a_day_outside_the_range_shows_nothing(team_admin_client, owner, add_generation):
    add_generation(owner, at=datetime(2026, 11, 2, tzinfo=UTC))
    response = team_admin_client.get(
        LIST, {"from": "2026-11-05", "to": "2026-11-30", "day": "2026-11-02"}
    )
    assert response.status_code == 200 and ids(response) == []
