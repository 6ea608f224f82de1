"""A run's exports: the contact sheet PNG and the zip of originals with cells.csv."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from PIL import Image

from matrix import exports
from matrix.grid import grid
from matrix.models import MatrixCell
from tests.matrix.conftest import IMAGEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_run(owner, start, work, emulator):
    emulator.inject("403", times=1, model=IMAGEN)
    run = start(owner, n=2)
    work()
    return run


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_contact_sheet_is_a_png_of_the_chosen_grid(owner_client, finished_run):
    url = reverse("matrix-contact-sheet", args=[finished_run.pk])

    response = owner_client.get(url, {"rows": "product", "cols": "model"})

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    sheet = Image.open(io.BytesIO(response.content))
    sheet.load()
    layout = grid(finished_run, finished_run.cells.all(), "product", "model")
    assert sheet.format == "PNG"
    assert sheet.size == exports.sheet_size(layout)
    # 2 model columns, 2 blocks (settings) of 3 product rows.
    assert sheet.size == (
        exports.LABEL_WIDTH + 2 * (exports.TILE + exports.GAP) + exports.GAP,
        exports.GAP + 2 * (exports.TITLE + exports.HEADER + 3 * (exports.TILE + exports.CAPTION + exports.GAP)),
    )  # fmt: skip
    # The first cell's tile holds its thumbnails, not the empty grey.
    x, y = exports.LABEL_WIDTH + exports.GAP, exports.GAP + exports.TITLE + exports.HEADER
    tile = sheet.crop((x, y, x + exports.TILE, y + exports.TILE))
    assert len(tile.getcolors(maxcolors=100_000) or []) > 1


def test_another_layout_makes_another_sheet(owner_client, finished_run):
    url = reverse("matrix-contact-sheet", args=[finished_run.pk])
    sheet = Image.open(
        io.BytesIO(owner_client.get(url, {"rows": "setting", "cols": "product"}).content)
    )
    layout = grid(finished_run, finished_run.cells.all(), "setting", "product")
    assert sheet.size == exports.sheet_size(layout)
    assert len(layout.blocks) == 2 and len(layout.cols.values) == 3


def test_the_zip_has_every_original_and_a_csv_row_per_cell(owner_client, finished_run):
    response = owner_client.get(reverse("matrix-zip", args=[finished_run.pk]))

    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    rows = list(csv.DictReader(io.StringIO(archive.read("cells.csv").decode())))
    cells = {c.position + 1: c for c in finished_run.cells.select_related("generation")}
    assert len(rows) == len(cells) == 12
    for row in rows:
        cell = cells[int(row["cell"])]
        assert row["product"] == cell.values["product"]
        assert row["setting"] == cell.values["setting"]
        assert row["model_id"] == cell.model_id
        assert row["prompt"] == cell.prompt
        assert row["n"] == "2"
        assert row["status"] == cell.status
        assert Decimal(row["cost"]) == cell.generation.cost
        assert row["generation_id"] == str(cell.generation_id)
    failed = [r for r in rows if r["status"] == MatrixCell.Status.FAILED]
    assert len(failed) == 1 and failed[0]["files"] == "" and failed[0]["note"]
    originals = [n for n in archive.namelist() if n.startswith("originals/")]
    assert len(originals) == 11 * 2
    for row in rows:
        for name in row["files"].split():
            image = cells[int(row["cell"])].generation.images.get(
                index=int(name.rsplit("-", 1)[1].split(".")[0])
            )
            assert hashlib.sha256(archive.read(name)).hexdigest() == image.sha256
