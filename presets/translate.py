"""A preset's intent, translated into one model's own fields.

A preset says what it wants once (an aspect ratio, a quality level, a count, some
reference images); each family spells that differently: gpt-image-2 takes a pixel
`size` and a `quality`, Recraft a ratio `size`, Gemini an `aspect_ratio` and a
resolution `size`, Imagen only an `aspect_ratio`, xAI an `aspect_ratio` and a
`resolution`. `translate` picks the nearest value each model offers and says, in a
sentence, what it could not honour. Pure: no database, no Django.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from llmtr.spec import MAX_REFERENCES, ModelSpec

QUALITIES = ("low", "medium", "high")
# Aspect ratios a preset may ask for (every ratio at least one family offers).
ASPECT_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "2:1", "1:2")
GEMINI_SIZE = {"low": "512", "medium": "1K", "high": "2K"}
XAI_RESOLUTION = {"low": "1k", "medium": "1k", "high": "2k"}
_SHAPE = re.compile(r"^(\d{1,5})\s*[:x]\s*(\d{1,5})$")


@dataclass(frozen=True)
class Intent:
    aspect_ratio: str = ""  # "16:9"; empty: the model's default
    quality: str = ""  # low / medium / high; empty: the model's default
    n: int | None = None
    references: int = 0  # how many reference images the preset brings


@dataclass(frozen=True)
class Translation:
    params: dict[str, str | int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    keeps_references: bool = False


def ratio_of(value: str) -> float | None:
    """16:9 -> 1.777…, 1536x1024 -> 1.5; None for anything else (or "auto")."""
    match = _SHAPE.match(value.strip())
    if not match or not int(match.group(1)) or not int(match.group(2)):
        return None
    return int(match.group(1)) / int(match.group(2))


def nearest(wanted: str, choices: tuple[str, ...]) -> str | None:
    """The choice whose shape is closest to `wanted` (on a log scale, so 2:1 and 1:2
    are equally far from 1:1); the first of equals wins. None if none has a shape."""
    target = ratio_of(wanted)
    shaped = [(c, ratio_of(c)) for c in choices]
    candidates = [(c, r) for c, r in shaped if r is not None]
    if target is None or not candidates:
        return None
    return min(candidates, key=lambda item: abs(math.log(item[1] / target)))[0]


def _shape_field(spec: ModelSpec) -> tuple[str, tuple[str, ...]] | None:
    """The field that holds the image's shape, and the values of it that are shapes.
    Recraft's raster `size` also lists explicit pixel sizes: its ratios are preferred."""
    if spec.family == "recraft":
        size = spec.get_field("size")
        return ("size", tuple(c for c in size.choices if ":" in c)) if size else None
    if spec.family == "openai":
        size = spec.get_field("size")
        return ("size", size.choices) if size else None
    aspect = spec.get_field("aspect_ratio")
    return ("aspect_ratio", aspect.choices) if aspect else None


def _shape(spec: ModelSpec, wanted: str) -> tuple[dict[str, str | int], list[str]]:
    if not wanted:
        return {}, []
    found = _shape_field(spec)
    choice = nearest(wanted, found[1]) if found else None
    if found is None or choice is None:
        return {}, [f"{spec.name} takes no aspect ratio: it makes its own shape."]
    notes = []
    if ratio_of(choice) != ratio_of(wanted) or ratio_of(wanted) is None:
        notes.append(f"{spec.name} has no {wanted}: the nearest it offers is {choice}.")
    return {found[0]: choice}, notes


def _quality(spec: ModelSpec, wanted: str) -> tuple[dict[str, str | int], list[str]]:
    if not wanted:
        return {}, []
    if spec.family == "openai" and spec.get_field("quality"):
        return {"quality": wanted}, []
    if spec.family == "gemini" and spec.get_field("size"):
        return {"size": GEMINI_SIZE[wanted]}, []
    if spec.family == "xai" and spec.get_field("resolution"):
        value = XAI_RESOLUTION[wanted]
        notes = [] if wanted != "low" else [f"{spec.name} has no low quality: it uses 1k."]
        return {"resolution": value}, notes
    return {}, [f"{spec.name} has no quality setting: “{wanted}” is left out."]


def _count(spec: ModelSpec, wanted: int | None) -> tuple[dict[str, str | int], list[str]]:
    n_field = spec.get_field("n")
    if wanted is None or n_field is None:
        return {}, []
    low, high = n_field.min or 1, n_field.max or wanted
    value = min(max(wanted, low), high)
    if value == wanted:
        return {"n": value}, []
    return {"n": value}, [f"{spec.name} makes {low} to {high} images at a time: it makes {value}."]


def _references(spec: ModelSpec, count: int) -> tuple[bool, list[str]]:
    if not count:
        return False, []
    if not spec.takes_references:
        return False, [f"{spec.name} takes no reference images: they are left out."]
    if count > MAX_REFERENCES:
        return True, [f"{spec.name} takes at most {MAX_REFERENCES} reference images: "
                      f"the first {MAX_REFERENCES} are sent."]  # fmt: skip
    return True, []


def translate(spec: ModelSpec, intent: Intent) -> Translation:
    """The intent in `spec`'s own fields, with a sentence for each part it cannot honour."""
    params: dict[str, str | int] = {}
    notes: list[str] = []
    for part_params, part_notes in (
        _shape(spec, intent.aspect_ratio),
        _quality(spec, intent.quality),
        _count(spec, intent.n),
    ):
        params.update(part_params)
        notes.extend(part_notes)
    keeps, reference_notes = _references(spec, intent.references)
    return Translation(params=params, notes=tuple(notes + reference_notes), keeps_references=keeps)
