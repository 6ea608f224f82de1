"""The audit log page and its CSV: team admins only, the team's own events newest
first, filters, a readable before → after, pages by cursor, a constant query count."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.log import record
from audit.queries import PAGE_SIZE
from teams.access import membership_of

pytestmark = pytest.mark.django_db

PAGE = reverse("team-audit")
CSV = reverse("team-audit-csv")


@pytest.fixture
def team_id(owner, team_admin):
    return membership_of(owner).team_id


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_a_team_admin_may_see_it(team_admin_client, team_id, url):
    assert team_admin_client.get(url).status_code == 200


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_a_member_or_a_stranger_gets_404(login, owner, stranger, team_id, url):
    record(action="member.added", team_id=team_id)
    assert login(owner).get(url).status_code == 404
    assert login(stranger).get(url).status_code == 404


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_page_shows_only_the_teams_events_newest_first(team_admin_client, team_id, stranger):
    record(action="member.added", team_id=team_id, target=stranger, target_label="first")
    record(action="budget.changed", team_id=team_id, target_label="second")
    record(action="share.created", team_id=membership_of(stranger).team_id, target_label="theirs")
    page = team_admin_client.get(PAGE).content.decode()
    assert page.index("second") < page.index("first")
    assert "theirs" not in page
    assert 'href="/team/audit"' in page and "Audit log" in page  # the team nav links here


def test_before_and_after_read_as_the_keys_that_changed(team_admin_client, team_id, owner):
    record(
        action="member.role_changed",
        actor=owner,
        team_id=team_id,
        before={"role": "member", "same": 1},
        after={"role": "admin", "same": 1},
    )
    page = team_admin_client.get(PAGE).content.decode()
    assert "<del>member</del> → <ins>admin</ins>" in page
    assert '<span class="audit-key">same</span>' not in page  # unchanged: not shown


# --- filters --------------------------------------------------------------------------


@pytest.fixture
def history(team_id, owner, team_admin):
    """Four events over three days, by two people and the system."""
    tz = timezone.get_current_timezone()
    for day, action, actor, target in [
        (1, "member.added", team_admin, owner),
        (2, "budget.changed", team_admin, None),
        (3, "share.revoked", owner, None),
        (3, "generation.bulk_deleted", None, None),
    ]:
        with time_machine.travel(datetime(2026, 3, day, 12, tzinfo=tz), tick=False):
            record(action=action, actor=actor, team_id=team_id, target=target)


def _actions(client, query: dict) -> list[str]:
    response = client.get(PAGE, query)
    assert response.status_code == 200
    return [e.action for e, *_ in response.context["events"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["generation.bulk_deleted", "share.revoked", "budget.changed", "member.added"]),
        ({"action": "budget.changed"}, ["budget.changed"]),
        ({"actor": "boss"}, ["budget.changed", "member.added"]),
        ({"actor": "(system)"}, ["generation.bulk_deleted"]),
        ({"target_type": "auth.user"}, ["member.added"]),
        ({"since": "2026-03-02"}, ["generation.bulk_deleted", "share.revoked", "budget.changed"]),
        ({"until": "2026-03-02"}, ["budget.changed", "member.added"]),
        ({"since": "2026-03-02", "until": "2026-03-02"}, ["budget.changed"]),
        ({"actor": "owner", "since": "2026-03-03"}, ["share.revoked"]),
    ],
)
def test_filters(team_admin_client, history, query, expected):
    assert _actions(team_admin_client, query) == expected


@pytest.mark.parametrize(
    "query",
    [{"since": "2026-03-05", "until": "2026-03-01"}, {"since": "not a day"}, {"action": "no.such"}],
)
def test_filters_not_understood_are_a_422_with_the_reason(team_admin_client, history, query):
    response = team_admin_client.get(PAGE, query)
    assert response.status_code == 422
    assert 'id="audit-errors"' in response.content.decode()
    assert team_admin_client.get(CSV, query).status_code == 422


def test_pages_follow_a_cursor_without_gaps_or_repeats(team_admin_client, team_id):
    ids = [record(action="budget.changed", team_id=team_id).pk for _ in range(PAGE_SIZE + 7)]
    first = team_admin_client.get(PAGE, {"action": "budget.changed"})
    cursor = first.context["next_before"]
    assert cursor is not None and 'rel="next"' in first.content.decode()
    second = team_admin_client.get(PAGE, {"action": "budget.changed", "before": cursor})
    assert second.context["next_before"] is None
    seen = [e.pk for e, *_ in first.context["events"]] + [
        e.pk for e, *_ in second.context["events"]
    ]
    assert seen == sorted(ids, reverse=True)


# --- CSV ------------------------------------------------------------------------------


def test_the_csv_has_the_filtered_rows(team_admin_client, history, owner):
    rows = _csv(team_admin_client.get(CSV, {"actor": "boss"}))
    header, *body = rows
    assert header == [
        "time",
        "action",
        "actor",
        "target type",
        "target id",
        "target",
        "changes",
        "ip address",
        "user agent",
    ]
    assert [(r[1], r[2]) for r in body] == [("budget.changed", "boss"), ("member.added", "boss")]
    assert body[1][3:6] == ["auth.user", str(owner.pk), "owner"]
    assert body[1][0].startswith("2026-03-01T12:00:00")


def test_the_csv_shows_the_changes_and_the_address(team_admin_client, team_id, owner):
    record(
        action="member.role_changed",
        actor=owner,
        team_id=team_id,
        before={"role": "member"},
        after={"role": "admin"},
    )
    team_admin_client.post(
        reverse("team-member-role", args=[owner.pk]), {"role": "admin"}, REMOTE_ADDR="192.0.2.8"
    )
    newest, older = _csv(team_admin_client.get(CSV))[1:]
    assert newest[6] == "role: member → admin" and newest[7] == "192.0.2.8"
    assert older[6] == "role: member → admin" and older[2] == "owner"


def test_the_csv_defuses_spreadsheet_formulas(team_admin_client, team_id):
    record(
        action="share.created",
        team_id=team_id,
        target_label='=HYPERLINK("http://evil.example","x")',
        after={"note": "+1"},
    )
    (row,) = _csv(team_admin_client.get(CSV))[1:]
    assert row[5] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[6] == "note: – → +1"  # starts with a letter: left as it is
    record(action="-evil", team_id=team_id)
    assert _csv(team_admin_client.get(CSV))[1][1] == "'-evil"


# --- cost -----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_rows(team_admin_client, team_id, owner, team_admin):
    def add(count: int) -> None:
        for n in range(count):
            record(
                action=f"member.role_changed.{n % 3}",
                actor=owner if n % 2 else team_admin,
                team_id=team_id,
                target=owner,
                before={"role": "member"},
                after={"role": "admin"},
            )

    add(5)
    few, few_csv = _queries(team_admin_client, PAGE), _queries(team_admin_client, CSV)
    add(45)
    assert _queries(team_admin_client, PAGE) == few
    assert _queries(team_admin_client, CSV) == few_csv
