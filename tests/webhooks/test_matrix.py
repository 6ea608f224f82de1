"""matrix.finished: matrix's `matrix_finished` signal (run_id) becomes a delivery of
the run, its cells and its cost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from matrix.models import MatrixCell, MatrixRun
from teams.access import membership_of
from webhooks import receivers
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_run(owner, add_generation):
    run = MatrixRun.objects.create(
        owner=owner,
        team=membership_of(owner).team,
        template="a {product} on a table",
        variables=[{"name": "product", "values": ["mug", "vase"]}],
        model_ids=["recraft/recraft-v4"],
        cap=Decimal("1.00"),
        estimated_total=Decimal("0.08"),
        status=MatrixRun.Status.DONE,
        finished_at=timezone.now(),
    )
    made = add_generation(owner)
    for position, (status, cost) in enumerate(
        [(MatrixCell.Status.SUCCEEDED, "0.04"), (MatrixCell.Status.FAILED, "0")]
    ):
        MatrixCell.objects.create(
            run=run,
            position=position,
            values={"product": ["mug", "vase"][position]},
            model_id="recraft/recraft-v4",
            prompt="a mug on a table",
            status=status,
            generation=made if status == MatrixCell.Status.SUCCEEDED else None,
            cost=Decimal(cost),
        )
    return run, made


def test_a_finished_run_is_sent_with_its_cells_and_cost(
    done_run, make_endpoint, receiver, committed, run_queued
):
    run, made = done_run
    make_endpoint(events=["matrix.finished"])

    with committed():
        receivers.matrix_finished(run_id=run.pk)
        receivers.matrix_finished(run_id=run.pk)  # said twice: sent once
    run_queued()

    (got,) = receiver.received
    assert got.valid and got.json["type"] == "matrix.finished"
    data = got.json["data"]
    assert data["id"] == run.pk and data["status"] == "done"
    assert data["cells"] == {"succeeded": 1, "failed": 1}
    assert data["generation_ids"] == [made.pk]
    assert Decimal(data["cost"]) == Decimal("0.04") and data["cap"] == "1.00"
    assert data["variables"] == ["product"] and data["url"].endswith(f"/matrix/{run.pk}")


def test_a_run_finished_again_after_a_retry_is_a_new_event(
    done_run, make_endpoint, committed, queue
):
    run, _ = done_run
    make_endpoint(events=["matrix.finished"])
    with committed():
        receivers.matrix_finished(run_id=run.pk)
    MatrixRun.objects.filter(pk=run.pk).update(finished_at=run.finished_at + timedelta(minutes=3))
    with committed():
        receivers.matrix_finished(run_id=run.pk)
    assert Delivery.objects.count() == 2


def test_a_run_not_done_sends_nothing(done_run, make_endpoint, committed, queue):
    run, _ = done_run
    make_endpoint(events=["matrix.finished"])
    MatrixRun.objects.filter(pk=run.pk).update(status=MatrixRun.Status.RUNNING)
    with committed():
        receivers.matrix_finished(run_id=run.pk)
    assert Delivery.objects.count() == 0


def test_matrix_finished_reaches_the_receiver_through_the_signal(
    done_run, make_endpoint, receiver, committed, run_queued
):
    from matrix.signals import announce_finished

    run, _ = done_run
    make_endpoint(events=["matrix.finished"])
    with committed():
        announce_finished(run.pk)
    run_queued()
    (got,) = receiver.received
    assert got.valid and got.json["data"]["id"] == run.pk
