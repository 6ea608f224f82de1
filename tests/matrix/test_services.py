"""Matrix runs: cells, estimates, cutting at the cap and the budget, approval, the
concurrency cap, retrying failed cells and cancelling the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generations.catalog import find_model
from generations.models import Generation
from llmtr import pricing
from matrix import decisions, services
from matrix.models import MatrixCell, MatrixRun
from matrix.planning import MatrixProblem, parse_values, template_variables
from spend import budgets, money
from spend.models import Budget, LedgerEntry
from teams.access import membership_of
from tests.matrix.conftest import IMAGEN, PRODUCTS, RECRAFT

pytestmark = pytest.mark.django_db

Cell = MatrixCell.Status


def held_total(run: MatrixRun) -> Decimal:
    ids = [c.generation_id for c in run.cells.all() if c.generation_id]
    rows = LedgerEntry.objects.filter(generation_id__in=ids, kind="reservation")
    return sum((r.amount for r in rows), Decimal(0))


def statuses(run: MatrixRun) -> list[str]:
    return list(run.cells.order_by("position").values_list("status", flat=True))


# --- planning ------------------------------------------------------------------------


def test_values_are_read_one_a_line_or_comma_separated():
    assert parse_values("sneaker, backpack ,watch") == ["sneaker", "backpack", "watch"]
    assert parse_values("a red, round ball\n\n a cube \n") == ["a red, round ball", "a cube"]
    assert parse_values("  \n ") == []


def test_template_variables_in_order_and_stray_braces_refused():
    assert template_variables("{b} then {a} and {b}") == ["b", "a"]
    with pytest.raises(MatrixProblem, match="brace"):
        template_variables("a {product on a beach")


def test_cells_cross_every_value_with_every_model_models_innermost(owner, plan_for):
    plan = plan_for(owner)

    assert len(plan.cells) == 3 * 2 * 2
    first, second = plan.cells[0], plan.cells[1]
    assert (first.values, first.model.id) == ({"product": "sneaker", "setting": "beach"}, RECRAFT)
    assert (second.values, second.model.id) == (first.values, IMAGEN)
    assert first.prompt == "a sneaker on a beach"
    assert [c.position for c in plan.cells] == list(range(12))
    assert {c.prompt for c in plan.cells} == {
        f"a {p} on a {s}" for p in PRODUCTS for s in ("beach", "studio")
    }


def test_each_cell_is_estimated_as_the_studio_holds_it(owner, plan_for):
    plan = plan_for(owner, n=2, models=(RECRAFT, "openai/gpt-image-2"))

    for cell in plan.cells:
        model = find_model(cell.model.id)
        expected = money.held(
            pricing.estimate(model.spec, prompt=cell.prompt, params=cell.params, price=model.price)
        ).usd
        assert cell.estimate == expected
    recraft = [c for c in plan.cells if c.model.id == RECRAFT]
    assert all(c.estimate == Decimal("0.08") for c in recraft)  # 2 images at $0.04
    assert plan.total == sum(c.estimate for c in plan.cells)
    assert isinstance(plan.total, Decimal)


def test_the_aspect_ratio_is_spelled_per_model_with_a_note_where_it_cannot_be(owner, plan_for):
    plan = plan_for(owner, models=(RECRAFT, IMAGEN, "openai/gpt-image-2"), aspect_ratio="16:9")

    by_model = {c.model.id: c.params for c in plan.cells[:3]}
    assert by_model[RECRAFT] == {"size": "16:9", "n": 1}
    assert by_model[IMAGEN] == {"aspect_ratio": "16:9", "n": 1}
    assert "size" not in by_model["openai/gpt-image-2"]
    assert plan.notes == ["GPT Image 2 cannot make 16:9 images: it uses its default shape."]


def test_cells_past_the_cap_are_not_created(owner, plan_for, start):
    plan = plan_for(owner, cap="0.15")  # cells cost 0.04, 0.02, 0.04, 0.02, ...

    # 0.04 + 0.02 + 0.04 + 0.02 = 0.12; the fifth (0.04) would make 0.16
    assert [c.created for c in plan.cells] == [True] * 4 + [False] * 8
    assert plan.created_total == Decimal("0.12")
    assert plan.total == Decimal("0.36")
    assert plan.cut_by == "cap"
    run = start(owner, cap="0.15")
    assert run.cells.count() == 4
    assert run.not_created == 8
    assert run.estimated_total == Decimal("0.12")


def test_cells_past_the_budget_left_are_not_created(owner, plan_for, add_generation):
    team = membership_of(owner).team
    Budget.objects.create(team=team, amount=Decimal("0.20"))
    add_generation(owner, cost="0.10")

    plan = plan_for(owner, cap="5")

    assert plan.left == Decimal("0.10")
    assert plan.cut_by == "budget"
    assert plan.created_total <= Decimal("0.10")
    assert len(plan.created) == 3  # 0.04 + 0.02 + 0.04; the next 0.02 would make 0.12


def test_a_plan_refuses_a_prompt_a_model_cannot_take(owner, plan_for):
    with pytest.raises(MatrixProblem, match="Recraft V3"):
        plan_for(
            owner, models=("recraft/recraft-v3",), template="{product} {setting} " + "x" * 1200
        )


# --- running -------------------------------------------------------------------------


def test_a_run_sends_no_more_than_the_concurrency_cap(owner, start, work, no_broker, settings):
    settings.MATRIX_CONCURRENCY = 3

    run = start(owner)

    assert statuses(run).count(Cell.SUBMITTED) == 3
    assert statuses(run).count(Cell.QUEUED) == 9
    assert len(no_broker.generations) == 3
    work(rounds=1)  # one generation ends: one more cell goes
    assert statuses(run).count(Cell.SUBMITTED) == 3
    assert statuses(run).count(Cell.SUCCEEDED) == 1
    assert len(no_broker.generations) == 4


def test_a_run_ends_done_with_every_cell_costed_from_the_ledger(owner, start, work):
    run = start(owner)

    work()

    run.refresh_from_db()
    assert run.status == MatrixRun.Status.DONE
    assert set(statuses(run)) == {Cell.SUCCEEDED}
    for cell in run.cells.select_related("generation"):
        settled = LedgerEntry.objects.get(generation=cell.generation, kind="settlement")
        assert cell.cost == settled.amount == cell.generation.cost
    # What the preview showed is exactly what was held.
    assert held_total(run) == run.estimated_total == Decimal("0.36")
    assert services.committed(run) == Decimal("0.36")


def test_a_waiting_run_sends_nothing_until_an_admin_approves(
    owner, team_admin, start, work, no_broker, django_capture_on_commit_callbacks
):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.10")
    team.save()

    run = start(owner)

    assert run.status == MatrixRun.Status.AWAITING_APPROVAL
    assert no_broker.generations == [] and Generation.objects.count() == 0
    with pytest.raises(services.MatrixRefused):
        decisions.run_approve(run=run, admin=owner)  # a member cannot approve their own
    with django_capture_on_commit_callbacks(execute=True):
        decisions.run_approve(run=run, admin=team_admin)
    work()
    run.refresh_from_db()
    assert run.status == MatrixRun.Status.DONE and run.decided_by == team_admin
    assert set(statuses(run)) == {Cell.SUCCEEDED}


def test_a_cell_above_the_threshold_is_approved_with_its_run(
    owner, team_admin, start, work, django_capture_on_commit_callbacks
):
    """Each cell of an approved run costs more than the threshold on its own: the
    admin's approval of the run covers it, it is not asked about again."""
    team = membership_of(owner).team
    team.approval_above = Decimal("0.05")
    team.save()
    run = start(owner, products=("kite",), settings=("park",), models=(RECRAFT,), n=2)
    assert run.status == MatrixRun.Status.AWAITING_APPROVAL

    with django_capture_on_commit_callbacks(execute=True):
        decisions.run_approve(run=run, admin=team_admin)
    work()

    cell = run.cells.get()
    assert cell.status == Cell.SUCCEEDED
    assert cell.generation.decided_by == team_admin


def test_approval_checks_the_budget_again(owner, team_admin, start, add_generation):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.01")
    team.save()
    Budget.objects.create(team=team, amount=Decimal("1.00"))
    run = start(owner)  # 12 cells, $0.36
    assert run.cells.count() == 12
    add_generation(owner, cost="0.90")  # spent meanwhile: $0.10 left
    budgets.resync(team.pk)  # the factory writes the ledger directly

    decisions.run_approve(run=run, admin=team_admin)

    assert statuses(run).count(Cell.QUEUED) == 3  # 0.04 + 0.02 + 0.04
    assert statuses(run).count(Cell.SKIPPED) == 9
    assert "skipped at approval" in MatrixRun.objects.get(pk=run.pk).note


def live_estimate(run: MatrixRun) -> Decimal:
    cells = run.cells.exclude(status=Cell.SKIPPED)
    return sum((c.estimated_cost for c in cells), Decimal(0))


def test_cells_skipped_at_approval_leave_the_run_s_estimate(
    owner, team_admin, start, add_generation
):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.01")
    team.save()
    Budget.objects.create(team=team, amount=Decimal("1.00"))
    run = start(owner)
    assert run.estimated_total == Decimal("0.36")
    add_generation(owner, cost="0.90")  # $0.10 left: 3 cells of 12 fit
    budgets.resync(team.pk)

    returned = decisions.run_approve(run=run, admin=team_admin)

    run.refresh_from_db()
    assert statuses(run).count(Cell.SKIPPED) == 9
    assert run.estimated_total == live_estimate(run) == Decimal("0.10")
    assert returned.estimated_total == run.estimated_total


def test_approval_that_skips_nothing_keeps_the_estimate(owner, team_admin, start):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.01")
    team.save()
    run = start(owner)

    decisions.run_approve(run=run, admin=team_admin)

    run.refresh_from_db()
    assert Cell.SKIPPED not in statuses(run)
    assert run.estimated_total == live_estimate(run) == Decimal("0.36")


def test_a_declined_run_sends_and_spends_nothing(owner, team_admin, start, no_broker):
    team = membership_of(owner).team
    team.approval_above = Decimal("0.01")
    team.save()
    run = start(owner)

    decisions.run_decline(run=run, admin=team_admin, reason="Too many at once")

    run.refresh_from_db()
    assert run.status == MatrixRun.Status.CANCELLED
    assert "Too many at once" in run.note
    assert set(statuses(run)) == {Cell.CANCELLED}
    assert no_broker.generations == [] and LedgerEntry.objects.count() == 0


def test_retry_sends_only_the_failed_cells_again(
    owner, start, work, emulator, no_broker, django_capture_on_commit_callbacks
):
    emulator.inject("403", times=1, model=IMAGEN)
    run = start(owner)
    work()
    failed = run.cells.get(status=Cell.FAILED)
    assert failed.model_id == IMAGEN and failed.note == failed.generation.error_message != ""
    others = {c.pk: c.generation_id for c in run.cells.exclude(pk=failed.pk)}
    old_generation = failed.generation_id
    sent_before = len(no_broker.generations)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_retry_failed(run=run, user=owner) == 1
    work()

    assert len(no_broker.generations) == sent_before + 1
    failed.refresh_from_db()
    assert failed.status == Cell.SUCCEEDED
    assert failed.generation_id != old_generation
    assert failed.earlier_generations == [old_generation]
    assert failed.attempts == 2
    assert {c.pk: c.generation_id for c in run.cells.exclude(pk=failed.pk)} == others
    assert MatrixRun.objects.get(pk=run.pk).status == MatrixRun.Status.DONE


def test_retry_is_refused_when_the_cap_cannot_hold_it(owner, start, work, emulator):
    emulator.inject("403", times=1, model=RECRAFT)
    run = start(owner, products=("kite",), settings=("park",), models=(RECRAFT,), cap="0.04")
    work()
    assert statuses(run) == [Cell.FAILED]
    MatrixRun.objects.filter(pk=run.pk).update(cap=Decimal("0.03"))
    run.refresh_from_db()

    with pytest.raises(services.MatrixRefused, match="cap"):
        services.run_retry_failed(run=run, user=owner)
    assert statuses(run) == [Cell.FAILED]


def test_only_the_owner_can_retry_or_cancel(owner, team_admin, start):
    run = start(owner)
    with pytest.raises(services.MatrixRefused):
        services.run_cancel(run=run, user=team_admin)
    with pytest.raises(services.MatrixRefused):
        services.run_retry_failed(run=run, user=team_admin)


def test_cancel_stops_the_queued_cells_and_nothing_more_is_spent(owner, start, work, no_broker):
    run = start(owner)  # 3 in flight, 9 queued
    held = held_total(run)

    assert services.run_cancel(run=run, user=owner) == 9
    work()  # the three in flight finish

    run.refresh_from_db()
    assert run.status == MatrixRun.Status.CANCELLED
    assert statuses(run).count(Cell.CANCELLED) == 9
    assert statuses(run).count(Cell.SUCCEEDED) == 3
    assert len(no_broker.generations) == 3
    assert held_total(run) == held
    assert services.run_advance(run_id=run.pk) == 0
    with pytest.raises(services.MatrixRefused, match="nothing to cancel"):
        services.run_cancel(run=run, user=owner)


def test_a_cell_that_would_pass_the_cap_is_skipped_at_dispatch(owner, start, work, settings):
    """The cap is checked again before each cell goes (real costs can differ from the
    preview's): with the cap lowered under what is spent, nothing more is sent."""
    settings.MATRIX_CONCURRENCY = 1
    run = start(owner, products=PRODUCTS[:2], settings=("beach",), models=(RECRAFT,))
    MatrixRun.objects.filter(pk=run.pk).update(cap=Decimal("0.05"))
    work()

    run.refresh_from_db()
    assert statuses(run) == [Cell.SUCCEEDED, Cell.SKIPPED]
    skipped = run.cells.get(status=Cell.SKIPPED)
    assert skipped.generation is None and "past its cap" in skipped.note
    assert run.status == MatrixRun.Status.DONE


def test_a_cell_skipped_at_dispatch_leaves_the_run_s_estimate(owner, start, work, settings):
    settings.MATRIX_CONCURRENCY = 1
    run = start(owner, products=PRODUCTS, settings=("beach",), models=(RECRAFT,))
    assert run.estimated_total == Decimal("0.12")
    MatrixRun.objects.filter(pk=run.pk).update(cap=Decimal("0.05"))

    work()

    run.refresh_from_db()
    assert statuses(run) == [Cell.SUCCEEDED, Cell.SKIPPED, Cell.SKIPPED]
    assert run.estimated_total == live_estimate(run) == held_total(run) == Decimal("0.04")


def test_a_budget_that_runs_out_mid_run_fails_the_rest_with_the_reason(
    owner, start, work, add_generation, settings
):
    settings.MATRIX_CONCURRENCY = 1
    team = membership_of(owner).team
    Budget.objects.create(team=team, amount=Decimal("1.00"))
    run = start(owner, products=PRODUCTS[:2], settings=("beach",), models=(RECRAFT,))
    add_generation(owner, cost="0.96")  # someone spends the rest meanwhile
    budgets.resync(team.pk)  # the factory writes the ledger directly

    work()

    assert statuses(run) == [Cell.SUCCEEDED, Cell.FAILED]
    assert "budget" in run.cells.get(status=Cell.FAILED).note
    period = budgets.current_period(Budget.objects.get())
    assert period.reserved == 0


def test_the_sweep_advances_a_run_whose_signal_was_lost(owner, start, no_broker, settings):
    from generations import worker

    settings.MATRIX_CONCURRENCY = 1
    run = start(owner)
    worker.generation_run(generation_id=no_broker.generations[0])  # no on_commit: no signal
    assert statuses(run).count(Cell.SUBMITTED) == 1

    assert services.runs_sweep() >= 1

    assert statuses(run)[:2] == [Cell.SUCCEEDED, Cell.SUBMITTED]


def test_a_generation_outside_any_run_settles_as_before(owner, make_generation):
    generation = make_generation(owner)
    assert generation.status == "succeeded"
    assert MatrixCell.objects.count() == 0


def test_a_cell_the_budget_cannot_hold_yet_waits_for_the_cells_in_flight(
    owner, start, work, add_generation, emulator, settings, no_broker
):
    """The budget holds one cell at a time: the second waits, queued, while the first
    is in flight; the first fails (nothing billed, its hold released) and the second
    goes then, instead of failing for a budget that was about to free up."""
    team = membership_of(owner).team
    Budget.objects.create(team=team, amount=Decimal("0.10"))
    emulator.inject("403", times=1, model=RECRAFT)
    settings.MATRIX_CONCURRENCY = 1
    run = start(owner, products=("kite", "boat"), settings=("lake",), models=(RECRAFT,))
    add_generation(owner, cost="0.04")  # spent elsewhere meanwhile: $0.02 left
    budgets.resync(team.pk)
    settings.MATRIX_CONCURRENCY = 2

    assert services.run_advance(run_id=run.pk) == 0
    assert statuses(run) == [Cell.SUBMITTED, Cell.QUEUED]
    work()

    assert statuses(run) == [Cell.FAILED, Cell.SUCCEEDED]
    assert len(no_broker.generations) == 2


def test_a_run_that_is_done_says_so_once_with_a_signal(owner, start, work):
    from matrix.signals import matrix_finished

    heard = []

    def hear(*, run_id, **_):
        heard.append(run_id)

    matrix_finished.connect(hear)
    try:
        run = start(owner, products=("kite",), settings=("lake",))
        work()
        services.run_advance(run_id=run.pk)  # nothing left: not said again
    finally:
        matrix_finished.disconnect(hear)
    assert heard == [run.pk]
