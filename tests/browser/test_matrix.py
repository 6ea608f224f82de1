"""A matrix run in Chromium with a real worker: 3 products x 2 settings across 2
models (12 generations), the total cost seen before it starts, one cell failed by the
emulator and retried, and the contact sheet downloaded and decoded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from matrix.exports import sheet_size
from matrix.grid import grid
from matrix.models import MatrixCell, MatrixRun
from spend.models import LedgerEntry

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECRAFT = "recraft/recraft-v4"
IMAGEN = "google/imagen-4.0-fast-generate-001"


def test_a_matrix_run_priced_first_retried_and_exported(
    page_for, owner, catalog, workers, emulator, tmp_path
):
    workers()
    page = page_for(owner)
    page.goto("/")
    page.get_by_role("link", name="Matrix").click()
    page.get_by_role("link", name="New matrix run").click()

    page.fill("#id_template", "a {product} on a {setting}, soft light")
    page.locator("#id_values_1").focus()  # the template's change names the variables
    expect(page.locator("#id_name_1")).to_have_value("product")
    expect(page.locator("#id_name_2")).to_have_value("setting")
    page.fill("#id_values_1", "sneaker, backpack, watch")
    page.fill("#id_values_2", "beach\nstudio")
    page.check(f"input[name=models][value='{RECRAFT}']")
    page.check(f"input[name=models][value='{IMAGEN}']")
    page.fill("#id_cap", "2.00")

    # The figures come before anything is sent: 12 generations, $0.36 of a $2 cap.
    expect(page.locator("#preview-total")).to_have_text("$0.3600")
    expect(page.locator("#preview-cells")).to_contain_text("12")
    expect(page.locator("#preview-cap")).to_have_text("$2.00")
    assert MatrixRun.objects.count() == 0

    emulator.inject("403", times=1, model=IMAGEN)  # one Imagen cell will fail
    page.locator("#start-button").click()

    expect(page.locator("#run-status")).to_have_text("Done", timeout=60_000)
    expect(page.locator(".matrix-cell--succeeded")).to_have_count(11)
    failed = page.locator(".matrix-cell--failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Failed")

    page.locator("#retry-button").click()
    expect(page.locator(".notice--success")).to_contain_text("Retrying 1 failed cell")
    expect(page.locator(".matrix-cell--succeeded")).to_have_count(12, timeout=60_000)
    expect(page.locator("#run-status")).to_have_text("Done", timeout=30_000)
    expect(page.locator("#run-spent")).to_have_text("$0.3600")

    run = MatrixRun.objects.get()
    assert set(run.cells.values_list("status", flat=True)) == {MatrixCell.Status.SUCCEEDED}
    retried = run.cells.get(attempts=2)
    assert retried.model_id == IMAGEN and len(retried.earlier_generations) == 1
    held = LedgerEntry.objects.filter(generation__matrix_cells__run=run, kind="reservation")
    assert sum(e.amount for e in held) == Decimal("0.36")

    with page.expect_download() as download:
        page.locator("#contact-sheet-link").click()
    path = tmp_path / "sheet.png"
    download.value.save_as(path)
    with Image.open(path) as sheet:
        sheet.load()
        assert sheet.format == "PNG"
        assert sheet.size == sheet_size(grid(run, run.cells.all()))
