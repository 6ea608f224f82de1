"""A run's exports: a contact sheet (one PNG of the grid, with labels and costs) and
a zip of the originals with a CSV of every cell's settings.

The zip is written while it is sent, through a small buffer the response empties
after every chunk (as the gallery's zip is), so its size costs no memory.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from generations import zips
from generations.models import GeneratedImage
from matrix.grid import Grid, model_name
from matrix.models import MatrixCell, MatrixRun
from spend.money import usd
from studio.spreadsheet import safe_cell

log = logging.getLogger(__name__)

TILE = 160
GAP = 8
LABEL_WIDTH = 180
HEADER = 36
CAPTION = 34
TITLE = 30
CHUNK = 256 * 1024
BACKGROUND = (255, 255, 255)
INK = (30, 30, 30)
MUTED = (110, 110, 110)
EMPTY = (238, 238, 238)


# --- the contact sheet ---------------------------------------------------------------


def cell_cost(cell: MatrixCell) -> Decimal | None:
    """What the cell's current generation cost (the ledger's figure, on the
    generation), or the copy kept on the cell once that generation is gone."""
    if cell.generation is not None and cell.generation.cost is not None:
        return cell.generation.cost
    return cell.cost


def caption(cell: MatrixCell | None) -> str:
    if cell is None:
        return "not created"
    cost = cell_cost(cell)
    money = usd(cost) if cost is not None else f"est. {usd(cell.estimated_cost)}"
    return f"{cell.get_status_display().lower()} · {money}"


def sheet_size(layout: Grid) -> tuple[int, int]:
    columns = len(layout.cols.values)
    width = LABEL_WIDTH + columns * (TILE + GAP) + GAP
    per_block = TITLE + HEADER + len(layout.rows.values) * (TILE + CAPTION + GAP)
    return width, GAP + len(layout.blocks) * per_block


def contact_sheet(run: MatrixRun, layout: Grid) -> bytes:
    """The grid as one PNG: column labels across, row labels down, each cell's first
    thumbnails with its status and cost beneath."""
    width, height = sheet_size(layout)
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font, small = ImageFont.load_default(size=14), ImageFont.load_default(size=12)
    y = GAP
    for block in layout.blocks:
        title = " · ".join(f"{k}: {v}" for k, v in block.title) or run.template
        draw.text((GAP, y + 6), _fit(draw, title, width - 2 * GAP, font), fill=INK, font=font)
        y += TITLE
        for i, label in enumerate(layout.column_labels):
            x = LABEL_WIDTH + GAP + i * (TILE + GAP)
            draw.text((x, y + 10), _fit(draw, label, TILE, font), fill=INK, font=font)
        y += HEADER
        for row in block.rows:
            draw.text((GAP, y + TILE // 2 - 8), _fit(draw, row.label, LABEL_WIDTH - 2 * GAP, font), fill=INK, font=font)  # fmt: skip
            for i, cell in enumerate(row.cells):
                x = LABEL_WIDTH + GAP + i * (TILE + GAP)
                _tile(sheet, cell, (x, y))
                text = _fit(draw, caption(cell), TILE, small)
                draw.text((x, y + TILE + 4), text, fill=MUTED, font=small)
            y += TILE + CAPTION + GAP
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=True)
    return out.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> str:  # fmt: skip
    """`text`, cut with an ellipsis to fit `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _tile(sheet: Image.Image, cell: MatrixCell | None, at: tuple[int, int]) -> None:
    """Up to four thumbnails of the cell in a TILE square (grey when there are none)."""
    x, y = at
    sheet.paste(EMPTY, (x, y, x + TILE, y + TILE))
    images = list(cell.generation.images.all())[:4] if cell and cell.generation else []
    if not images:
        return
    per_side = 1 if len(images) == 1 else 2
    box = TILE // per_side
    rows = -(-len(images) // per_side)
    y += (TILE - rows * box) // 2  # two images sit in the middle, not at the top
    for index, image in enumerate(images):
        thumb = _thumbnail(image, box)
        if thumb is None:
            continue
        left = x + (index % per_side) * box + (box - thumb.width) // 2
        top = y + (index // per_side) * box + (box - thumb.height) // 2
        sheet.paste(thumb, (left, top))


def _thumbnail(image: GeneratedImage, box: int) -> Image.Image | None:
    """The stored thumbnail (the studio's own small WebP) scaled into `box`."""
    try:
        with default_storage.open(image.thumbnail.name or "", "rb") as f, Image.open(f) as source:
            source.draft("RGB", (box, box))
            thumb = source.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        log.warning("matrix contact sheet: thumbnail of image %s unreadable", image.pk)
        return None
    thumb.thumbnail((box, box))
    return thumb


# --- the zip -------------------------------------------------------------------------

CSV_NAME = "cells.csv"


def original_name(cell: MatrixCell, image: GeneratedImage) -> str:
    return (
        f"originals/{cell.position + 1:03d}-{image.generation_id}-{image.index}.{image.extension}"
    )


def _images(cell: MatrixCell) -> list[GeneratedImage]:
    return list(cell.generation.images.all()) if cell.generation else []


def cells_csv(run: MatrixRun, cells: Iterable[MatrixCell]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    names = run.variable_names
    writer.writerow([
        "cell", *names, "model", "model_id", "prompt", "n", "options", "status", "estimated_cost",
        "cost", "earlier_attempts_cost", "generation_id", "earlier_generation_ids", "attempts",
        "note", "files",
    ])  # fmt: skip
    for cell in cells:
        cost = cell_cost(cell)
        files = [original_name(cell, i) for i in _images(cell) if not i.is_archived]
        writer.writerow([
            cell.position + 1, *(safe_cell(cell.values.get(n)) for n in names),
            model_name(cell.model_id), cell.model_id, safe_cell(cell.prompt),
            cell.params.get("n", run.n), json.dumps(cell.params, sort_keys=True), cell.status,
            f"{cell.estimated_cost:f}", "" if cost is None else f"{cost:f}",
            f"{cell.earlier_cost:f}", cell.generation_id or "",
            " ".join(str(g) for g in cell.earlier_generations), cell.attempts,
            safe_cell(cell.note), " ".join(files),
        ])  # fmt: skip
    return out.getvalue()


def stream_run_zip(run: MatrixRun, cells: list[MatrixCell]) -> Iterator[bytes]:
    """cells.csv, then every original still stored; archived ones are named in the
    zip's note instead (generations.zips)."""
    entries = ((original_name(cell, image), image) for cell in cells for image in _images(cell))
    return zips.stream_zip(entries, first=[(CSV_NAME, cells_csv(run, cells))])
