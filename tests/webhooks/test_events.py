"""Events from the apps below become signed deliveries to the real receiver: once per
subscribed, enabled endpoint of the team, after the change has committed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from generations.signals import generation_settled
from spend.models import Budget
from teams.access import membership_of
from tests.factories import member
from webhooks.models import Delivery, Event

pytestmark = pytest.mark.django_db


def test_a_generation_that_succeeds_is_delivered_once_signed(
    owner, make_endpoint, make_generation, receiver, committed, run_queued, settings
):
    settings.STUDIO_URL = "https://studio.example.com"
    make_endpoint(events=["generation.succeeded"])

    with committed():
        generation = make_generation(owner, "recraft/recraft-v4", size="1:1", n=1)
    run_queued()

    (got,) = receiver.received
    assert got.valid and got.status == 200
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.headers["content-type"] == "application/json"
    body = got.json
    assert body["type"] == "generation.succeeded"
    data = body["data"]
    assert data["id"] == generation.pk and data["status"] == "succeeded"
    assert data["model"] == "recraft/recraft-v4"
    assert data["cost"] == format(generation.cost, "f") and Decimal(data["cost"]) > 0
    assert data["team"] == {"id": generation.team_id, "name": "owner's team"}
    assert data["created_at"] and data["finished_at"]
    (image,) = data["images"]
    pk = generation.images.get().pk
    assert image["url"] == f"https://studio.example.com/media/images/{pk}/original"
    assert image["thumbnail_url"] == f"https://studio.example.com/media/images/{pk}/thumb"
    assert Delivery.objects.get().status == "delivered"


def test_a_failed_generation_is_sent_as_generation_failed_with_its_reason(
    owner, make_endpoint, add_generation, receiver, committed, run_queued
):
    make_endpoint()
    generation = add_generation(
        owner,
        cost="0",
        status="failed",
        error_type="content_policy",
        error_message="The gateway refused the prompt.",
    )
    with committed():
        generation_settled.send(sender=None, generation_id=generation.pk)
    run_queued()

    (got,) = receiver.received
    assert got.json["type"] == "generation.failed"
    assert got.json["data"]["error"] == {
        "type": "content_policy",
        "message": "The gateway refused the prompt.",
    }
    assert got.json["data"]["images"] == []


def test_each_event_goes_once_to_every_subscribed_enabled_endpoint_of_the_team(
    owner, stranger, make_endpoint, add_generation, receiver, committed, run_queued, queue
):
    both = make_endpoint(events=["generation.succeeded", "generation.failed"])
    second = make_endpoint(events=["generation.succeeded"])
    make_endpoint(events=["generation.failed"])  # not subscribed to this one
    off = make_endpoint(events=["generation.succeeded"])
    off.enabled = False
    off.save()
    make_endpoint(team=membership_of(stranger).team)  # another team's
    generation = add_generation(owner)

    with committed():
        generation_settled.send(sender=None, generation_id=generation.pk)
        generation_settled.send(sender=None, generation_id=generation.pk)  # said twice
    run_queued()

    assert sorted(Delivery.objects.values_list("endpoint", flat=True)) == [both.pk, second.pk]
    assert len(receiver.received) == 2
    # One message: the same webhook-id and body to each endpoint.
    assert len({r.message_id for r in receiver.received}) == 1
    assert receiver.received[0].body == receiver.received[1].body


def test_a_budget_crossing_its_thresholds_sends_budget_threshold(
    owner, make_endpoint, make_generation, receiver, committed, run_queued
):
    make_endpoint(events=["budget.threshold"])
    Budget.objects.create(team=membership_of(owner).team, amount=Decimal("0.04"))

    with committed():
        make_generation(owner, "recraft/recraft-v4", n=1)  # $0.04: 50, 80 and 100%
    run_queued()

    events = sorted(
        (r.json["data"] for r in receiver.received), key=lambda d: d["threshold_percent"]
    )
    assert [d["threshold_percent"] for d in events] == [50, 80, 100]
    assert all(r.json["type"] == "budget.threshold" and r.valid for r in receiver.received)
    assert events[-1]["limit"] == "0.04" and Decimal(events[-1]["spent"]) == Decimal("0.04")
    assert events[-1]["budget"] == {"scope": "team", "member": None, "period": "month"}


def test_a_generation_waiting_for_approval_sends_approval_requested(
    owner, make_endpoint, make_generation, receiver, committed, run_queued
):
    make_endpoint(events=["approval.requested"])
    team = membership_of(owner).team
    team.approval_above = Decimal("0.01")
    team.save()

    with committed():
        generation = make_generation(owner, "recraft/recraft-v4", run=False, n=1)
    run_queued()

    assert generation.status == "approval"
    (got,) = receiver.received
    assert got.json["type"] == "approval.requested"
    data = got.json["data"]
    assert data["generation"]["id"] == generation.pk
    assert data["generation"]["estimated_cost"] == format(generation.estimated_cost, "f")
    assert data["generation"]["owner"]["username"] == "owner"
    assert data["approve_url"].endswith("/team/#approvals")


def test_nothing_is_sent_before_the_change_commits(owner, make_endpoint, add_generation, queue):
    make_endpoint()
    generation = add_generation(owner)
    generation_settled.send(sender=None, generation_id=generation.pk)  # never committed
    assert Delivery.objects.count() == 0 and queue.sent == []


def test_a_member_sees_nothing_of_another_teams_events(
    owner, make_endpoint, add_generation, receiver, committed, run_queued
):
    make_endpoint()
    elsewhere = member("elsewhere")
    generation = add_generation(elsewhere)
    with committed():
        generation_settled.send(sender=None, generation_id=generation.pk)
    run_queued()
    assert receiver.received == []


def test_the_body_is_json_with_type_timestamp_and_data(
    owner, make_endpoint, add_generation, committed, queue
):
    make_endpoint()
    generation = add_generation(owner)
    with committed():
        generation_settled.send(sender=None, generation_id=generation.pk)

    body = json.loads(Delivery.objects.get().body)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] in Event.values
