"""A matrix run through a real Celery worker over Redis: each settled generation's
signal, in the worker process, sends the run's next cell."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings

from generations.catalog import catalog_refresh, find_model
from matrix.models import MatrixCell, MatrixRun
from matrix.planning import Variable, plan_run
from matrix.services import run_create
from spend.models import LedgerEntry
from tests.matrix.conftest import IMAGEN, RECRAFT
from tests.workers import wait_for

pytestmark = [pytest.mark.e2e]


def test_a_run_goes_cell_by_cell_through_a_real_worker(owner, workers, emulator):
    catalog_refresh()
    emulator.latency = 0.3
    worker = workers()
    plan = plan_run(
        user=owner,
        template="a {product} on a {setting}",
        variables=[Variable("product", ("kite", "boat")), Variable("setting", ("lake", "sea"))],
        models=[find_model(RECRAFT), find_model(IMAGEN)],
        n=1,
        aspect_ratio="",
        cap=Decimal("5"),
    )

    run = run_create(user=owner, plan=plan)  # committed at once: its first cells are sent

    wait_for(
        lambda: MatrixRun.objects.get(pk=run.pk).status == MatrixRun.Status.DONE,
        timeout=90,
        what="the run to finish",
        worker=worker,
    )
    cells = list(run.cells.select_related("generation"))
    assert len(cells) == 8 and {c.status for c in cells} == {MatrixCell.Status.SUCCEEDED}
    assert all(c.generation.images.count() == 1 for c in cells)
    held = LedgerEntry.objects.filter(generation__matrix_cells__run=run, kind="reservation")
    assert sum(e.amount for e in held) == run.estimated_total == Decimal("0.24")
    # The worker sent each next cell as one ended, never more than the cap at once:
    # counted from the generations' own lives (created -> finished), since the gateway's
    # in-flight count also sees the worker's catalog fetches.
    assert 1 < most_at_once(c.generation for c in cells) <= settings.MATRIX_CONCURRENCY


def most_at_once(generations) -> int:
    """The largest number of generations alive at one moment; an end at the same
    instant as a start counts first."""
    generations = list(generations)
    events = sorted(
        [(g.created_at, 1) for g in generations] + [(g.finished_at, -1) for g in generations],
        key=lambda event: (event[0], event[1]),
    )
    alive = most = 0
    for _, change in events:
        alive += change
        most = max(most, alive)
    return most
