"""Matrix runs made the way the pages make them: a plan, then run_create; the
generations run by the worker's own code against the emulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

RECRAFT = "recraft/recraft-v4"  # $0.04 an image
IMAGEN = "google/imagen-4.0-fast-generate-001"  # $0.02 an image
PRODUCTS = ("sneaker", "backpack", "watch")
SETTINGS = ("beach", "studio")


@pytest.fixture
def plan_for(catalog):
    """plan_for(user, products=..., models=..., n=1, cap="5", ...) -> a Plan."""
    from generations.catalog import find_model
    from matrix.planning import Variable, plan_run

    def plan(
        user,
        *,
        products=PRODUCTS,
        settings=SETTINGS,
        models=(RECRAFT, IMAGEN),
        n=1,
        cap="5",
        aspect_ratio="",
        template="a {product} on a {setting}",
    ):
        variables = [Variable("product", tuple(products))]
        if settings:
            variables.append(Variable("setting", tuple(settings)))
        return plan_run(
            user=user,
            template=template,
            variables=variables,
            models=[find_model(m) for m in models],
            n=n,
            aspect_ratio=aspect_ratio,
            cap=Decimal(cap),
        )

    return plan


@pytest.fixture
def start(plan_for, no_broker, media_root, django_capture_on_commit_callbacks):
    """start(user, **plan options) -> a run made and started (its first cells sent)."""
    from matrix.models import MatrixRun
    from matrix.services import run_create

    def make(user, **options):
        with django_capture_on_commit_callbacks(execute=True):
            run = run_create(user=user, plan=plan_for(user, **options))
        return MatrixRun.objects.get(pk=run.pk)

    return make


@pytest.fixture
def work(no_broker, media_root, django_capture_on_commit_callbacks):
    """work() runs every generation queued so far with the worker's code, letting the
    generation_settled signal advance the runs, until nothing new is queued (or
    `rounds` times). Returns how many generations ran."""
    from generations import worker

    done: set[int] = set()

    def run_all(rounds: int = 100) -> int:
        ran = 0
        for _ in range(rounds):
            todo = [pk for pk in no_broker.generations if pk not in done]
            if not todo:
                break
            pk = todo[0]
            done.add(pk)
            with django_capture_on_commit_callbacks(execute=True):
                worker.generation_run(generation_id=pk)
            ran += 1
        return ran

    return run_all
