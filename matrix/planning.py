"""What a matrix run will make and cost, before anything is made.

    template_variables   the {name}s a template uses
    parse_values         "a, b, c" or one a line -> ["a", "b", "c"]
    model_params         the common options, spelled the way one model takes them
    plan_run             every cell with its estimate, cut at min(cap, budget left)

A cell's estimate is computed exactly as generations.services.generation_create holds
it (pricing.estimate rounded up by money.held), so the preview's total is the sum of
the holds the run will take, to the last digit.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from generations import approvals
from generations.catalog import StudioModel
from generations.forms import GenerationForm, carried_values
from llmtr import pricing
from spend import budgets, money
from spend.models import Budget
from teams.access import team_of

# A run makes at most this many generations (cells); each cell makes n images.
MAX_CELLS = 200
MAX_MODELS = 6
MAX_VARIABLES = 4
MAX_VALUE_CHARS = 200
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The aspect ratios offered as a common option; each model gets its own spelling of
# the ratio (generations.forms.carried_values), or its default where it has none.
ASPECT_RATIOS = ("1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3")
_SHAPE_FIELDS = ("aspect_ratio", "size")


class MatrixProblem(ValueError):
    """Input the studio cannot make a run of; the message says what to change."""


def template_variables(template: str) -> list[str]:
    """The variables a template uses, in order of first use. A brace that does not
    make a {name} is refused, so nothing is sent with a stray brace in it."""
    rest = _VARIABLE.sub("", template)
    if "{" in rest or "}" in rest:
        raise MatrixProblem(
            "The template has a brace that does not make a variable: write variables as "
            "{name} (letters, digits and _), and check every { has its }."
        )
    return list(dict.fromkeys(_VARIABLE.findall(template)))


def parse_values(text: str) -> list[str]:
    """Values one a line, or on one line separated by commas; blanks are dropped."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) == 1:
        return [part.strip() for part in lines[0].split(",") if part.strip()]
    return lines


def fill(template: str, values: Mapping[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def model_params(model: StudioModel, *, n: int, aspect_ratio: str) -> tuple[dict[str, Any], str]:
    """The options sent to `model`: n, and the aspect ratio in the model's own field
    where it has that ratio; with a sentence when it cannot honour the ratio."""
    wanted = {"n": str(n)}
    if aspect_ratio:
        wanted |= {"aspect_ratio": aspect_ratio, "size": aspect_ratio}
    kept, _ = carried_values(model, wanted)
    params = {k: v for k, v in kept.items() if k not in ("model", "prompt") and v != ""}
    params["n"] = n
    shapes = [_ratio(params.get(f)) for f in _SHAPE_FIELDS]
    if aspect_ratio and _ratio(aspect_ratio) not in shapes:
        return params, f"{model.name} cannot make {aspect_ratio} images: it uses its default shape."
    return params, ""


_SHAPE = re.compile(r"^(\d{1,5})\s*[:x]\s*(\d{1,5})$")


def _ratio(value: Any) -> Fraction | None:
    """16:9 and 1344x768 alike as a fraction; None for what is not a shape (1K)."""
    match = _SHAPE.match(str(value or "").strip())
    if not match or not int(match.group(1)) or not int(match.group(2)):
        return None
    return Fraction(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Variable:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CellPlan:
    position: int
    values: dict[str, str]
    model: StudioModel
    prompt: str
    params: dict[str, Any]
    estimate: Decimal
    created: bool = True

    @property
    def label(self) -> str:
        described = ", ".join(f"{k}: {v}" for k, v in self.values.items())
        return f"{described} · {self.model.name}"


@dataclass
class Plan:
    template: str
    variables: list[Variable]
    models: list[StudioModel]
    n: int
    aspect_ratio: str
    cap: Decimal
    cells: list[CellPlan]
    left: Decimal | None  # what the tightest budget has left; None: no budget applies
    tightest: Budget | None
    waits: bool  # the run waits for a team admin's approval
    approval_above: Decimal | None
    notes: list[str] = field(default_factory=list)

    @property
    def limit(self) -> Decimal:
        return self.cap if self.left is None else min(self.cap, self.left)

    @property
    def total(self) -> Decimal:
        """The estimate of every cell the template and models make."""
        return sum((c.estimate for c in self.cells), Decimal(0))

    @property
    def created(self) -> list[CellPlan]:
        return [c for c in self.cells if c.created]

    @property
    def not_created(self) -> list[CellPlan]:
        return [c for c in self.cells if not c.created]

    @property
    def created_total(self) -> Decimal:
        return sum((c.estimate for c in self.created), Decimal(0))

    @property
    def images(self) -> int:
        return len(self.created) * self.n

    @property
    def cut_by(self) -> str:
        """What cut the cells left out: "cap" or "budget" ("" when nothing is cut)."""
        if not self.not_created:
            return ""
        return "budget" if self.left is not None and self.left < self.cap else "cap"

    @property
    def by_model(self) -> list[tuple[StudioModel, int, Decimal]]:
        """Per model: the cells made and their estimate."""
        rows = []
        for model in self.models:
            mine = [c for c in self.created if c.model.id == model.id]
            rows.append((model, len(mine), sum((c.estimate for c in mine), Decimal(0))))
        return rows


def combinations(variables: Sequence[Variable]) -> list[dict[str, str]]:
    names = [v.name for v in variables]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v.values for v in variables))]  # fmt: skip


def cell_estimate(model: StudioModel, prompt: str, params: Mapping[str, Any]) -> Decimal:
    """What generation_create will hold for this cell."""
    assert model.price is not None, model.id  # unpriced models are refused by the form
    return money.held(
        pricing.estimate(model.spec, prompt=prompt, params=params, price=model.price)
    ).usd


def checked_params(model: StudioModel, prompt: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The options as the studio form cleans them (what the studio would send), after
    its own rules on this prompt and these options; MatrixProblem when they break one."""
    data = {"model": model.id, "prompt": prompt, **{k: str(v) for k, v in params.items()}}
    form = GenerationForm(model, data=data, models=[model])
    if form.is_valid():
        return dict(form.cleaned_data["params"])
    errors = [str(e) for errs in form.errors.values() for e in errs]
    problem = errors[0] if errors else f"{model.name} cannot take these options."
    raise MatrixProblem(f"{model.name}, for “{prompt[:80]}”: {problem}")


def cut(cells: list[CellPlan], limit: Decimal) -> list[CellPlan]:
    """Cells in order while their running total fits `limit`; the rest not created
    (a run's cells are the first ones of the grid, never a scattered few)."""
    running, kept, full = Decimal(0), [], False
    for cell in cells:
        full = full or running + cell.estimate > limit
        if not full:
            running += cell.estimate
        kept.append(replace(cell, created=not full))
    return kept


def plan_run(
    *,
    user: AbstractBaseUser,
    template: str,
    variables: list[Variable],
    models: list[StudioModel],
    n: int,
    aspect_ratio: str,
    cap: Decimal,
) -> Plan:
    """Every cell (combinations x models, models innermost), its estimate, and which
    cells fit min(cap, budget left). Raises MatrixProblem for a cell no model could
    send (a prompt too long for it, say)."""
    params, notes = {}, []
    for model in models:
        params[model.id], note = model_params(model, n=n, aspect_ratio=aspect_ratio)
        if note:
            notes.append(note)
    cells, position = [], 0
    for values in combinations(variables):
        prompt = fill(template, values)
        for model in models:
            sent = checked_params(model, prompt, params[model.id])
            estimate = cell_estimate(model, prompt, sent)
            cells.append(CellPlan(position, values, model, prompt, sent, estimate))
            position += 1
    team = team_of(user)
    tightest = budgets.left_for(team_id=team.pk if team else None, user_id=user.pk)
    left = max(Decimal(0), tightest[0]) if tightest else None
    plan = Plan(
        template=template, variables=variables, models=models, n=n, aspect_ratio=aspect_ratio,
        cap=cap, cells=cells, left=left, tightest=tightest[1] if tightest else None,
        waits=False, approval_above=team.approval_above if team else None, notes=notes,
    )  # fmt: skip
    plan.cells = cut(cells, plan.limit)
    plan.waits = approvals.needs_approval(user, team, plan.created_total)
    return plan
