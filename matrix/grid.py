"""A run's cells laid out as a grid: two dimensions (variables or "model") as rows
and columns, every other dimension as separate blocks. The run page and the contact
sheet draw the same layout."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from llmtr import spec as llmtr_spec
from matrix.models import MatrixCell, MatrixRun

MODEL = "model"


def model_name(model_id: str) -> str:
    found = llmtr_spec.get(model_id)
    return found.name if found else model_id


@dataclass(frozen=True)
class Dimension:
    key: str  # a variable's name, or MODEL
    label: str
    values: tuple[str, ...]

    def value_label(self, value: str) -> str:
        return model_name(value) if self.key == MODEL else value


def dimensions(run: MatrixRun) -> list[Dimension]:
    found = [Dimension(v["name"], v["name"], tuple(v["values"])) for v in run.variables]
    return [*found, Dimension(MODEL, "Model", tuple(run.model_ids))]


def default_axes(run: MatrixRun) -> tuple[str, str]:
    """The first variable down, the models across (or the second variable when the
    run has one model)."""
    names = run.variable_names
    if len(run.model_ids) == 1 and len(names) > 1:
        return names[0], names[1]
    return names[0] if names else MODEL, MODEL


def _key(cell_values: Mapping[str, str], model_id: str, dims: Iterable[Dimension]) -> tuple:
    return tuple(model_id if d.key == MODEL else cell_values.get(d.key) for d in dims)


@dataclass
class Row:
    label: str
    cells: list[MatrixCell | None]  # None: a combination the run did not create


@dataclass
class Block:
    title: list[tuple[str, str]]  # (dimension, value) of the dimensions not on an axis
    rows: list[Row]


@dataclass
class Grid:
    rows: Dimension
    cols: Dimension
    blocks: list[Block]

    @property
    def column_labels(self) -> list[str]:
        return [self.cols.value_label(v) for v in self.cols.values]


def grid(run: MatrixRun, cells: Iterable[MatrixCell], rows: str = "", cols: str = "") -> Grid:
    """The layout for axes `rows` and `cols` (the defaults for unknown or equal ones)."""
    dims = dimensions(run)
    by_key = {d.key: d for d in dims}
    if rows not in by_key or cols not in by_key or rows == cols:
        rows, cols = default_axes(run)
    row_dim, col_dim = by_key[rows], by_key[cols]
    others = [d for d in dims if d.key not in (rows, cols)]
    found = {_key(c.values, c.model_id, dims): c for c in cells}
    blocks = []
    for combo in itertools.product(*(d.values for d in others)):
        fixed = dict(zip((d.key for d in others), combo, strict=True))
        block_rows = []
        for r in row_dim.values:
            line = []
            for c in col_dim.values:
                wanted = {**fixed, rows: r, cols: c}
                line.append(found.get(tuple(wanted[d.key] for d in dims)))
            block_rows.append(Row(row_dim.value_label(r), line))
        title = [(d.label, d.value_label(v)) for d, v in zip(others, combo, strict=True)]
        blocks.append(Block(title, block_rows))
    return Grid(row_dim, col_dim, blocks)
