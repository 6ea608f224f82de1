"""The matrix form: a template with {variables}, their values, the models, n, one
common option (the aspect ratio) and a hard cost cap.

The per-model rules (n, prompt length, options) are the studio form's own: every cell
goes through generations.forms.GenerationForm when the run is planned
(matrix.planning.plan_run), so a matrix can never send what the studio would refuse.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser

from generations.catalog import StudioModel
from matrix.planning import (
    ASPECT_RATIOS,
    MAX_CELLS,
    MAX_MODELS,
    MAX_VALUE_CHARS,
    MAX_VARIABLES,
    NAME,
    MatrixProblem,
    Plan,
    Variable,
    parse_values,
    plan_run,
    template_variables,
)

MAX_TEMPLATE_CHARS = 4000
MAX_VALUES = 50
MAX_CAP = Decimal("10000")


class MatrixForm(forms.Form):
    template = forms.CharField(
        label="Prompt template",
        max_length=MAX_TEMPLATE_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "A {product} on a {setting}, studio lighting"}
        ),
        help_text="Write each variable as {name}; give its values below.",
        error_messages={"required": "Write a prompt template with at least one {variable}."},
    )
    models = forms.MultipleChoiceField(
        label="Models",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Pick at least one model.",
            "invalid_choice": "The model “%(value)s” is not available. Pick one from the list.",
        },
    )
    n = forms.IntegerField(
        label="Images per cell",
        min_value=1,
        max_value=10,
        initial=1,
        error_messages={
            "required": "Say how many images each cell makes (1 or more).",
            "invalid": "Images per cell must be a whole number.",
            "min_value": "Each cell makes at least 1 image.",
            "max_value": "No model makes more than 10 images at a time.",
        },
    )
    aspect_ratio = forms.ChoiceField(
        label="Aspect ratio",
        required=False,
        choices=[("", "Each model's default"), *((r, r) for r in ASPECT_RATIOS)],
        error_messages={"invalid_choice": "“%(value)s” is not an aspect ratio offered here."},
    )
    cap = forms.DecimalField(
        label="Cost cap (USD)",
        min_value=Decimal("0.01"),
        max_value=MAX_CAP,
        max_digits=7,
        decimal_places=2,
        initial=Decimal("5.00"),
        help_text="The run never spends more than this; cells past it are not created.",
        error_messages={
            "required": "Set a cost cap in dollars, like 5.00.",
            "invalid": "Write the cap as an amount in dollars, like 5.00.",
            "min_value": "The cap must be at least $0.01.",
            "max_value": f"The cap can be at most ${MAX_CAP:,}.",
            "max_decimal_places": "Cents at most: like 5.25.",
            "max_digits": f"The cap can be at most ${MAX_CAP:,}.",
        },
    )

    def __init__(self, data: Any = None, *, models: list[StudioModel], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.studio_models = {m.id: m for m in models if m.is_priced}
        picker = self.fields["models"]
        assert isinstance(picker, forms.MultipleChoiceField)
        picker.choices = [
            (m.id, f"{m.name} ({m.price_label})") for m in self.studio_models.values()
        ]
        for i in range(1, MAX_VARIABLES + 1):
            self.fields[f"name_{i}"] = forms.CharField(
                label=f"Variable {i}", required=False, max_length=40,
                widget=forms.TextInput(attrs={"placeholder": "product" if i == 1 else ""}),
            )  # fmt: skip
            self.fields[f"values_{i}"] = forms.CharField(
                label=f"Values of variable {i}", required=False, max_length=MAX_VALUES * (MAX_VALUE_CHARS + 2),
                widget=forms.Textarea(attrs={"rows": 3, "placeholder": "one a line, or a, b, c" if i == 1 else ""}),
            )  # fmt: skip

    def variable_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"name_{i}"], self[f"values_{i}"]) for i in range(1, MAX_VARIABLES + 1)]

    def model_list(self) -> list[StudioModel]:
        return [self.studio_models[m] for m in self.cleaned_data.get("models") or []]

    def plan(self, user: AbstractBaseUser) -> Plan:
        """The plan of a valid form (the page's preview and the API both price with
        it); MatrixProblem when the run cannot be made as asked."""
        data = self.cleaned_data
        return plan_run(
            user=user,
            template=data["template"],
            variables=data["variables"],
            models=data["model_list"],
            n=data["n"],
            aspect_ratio=data["aspect_ratio"],
            cap=data["cap"],
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        variables = self._variables(cleaned)
        models = self.model_list()
        if len(models) > MAX_MODELS:
            self.add_error("models", f"Pick at most {MAX_MODELS} models; you picked {len(models)}.")
        n = cleaned.get("n")
        if n is not None:
            self._check_n(models, n)
        if variables is not None and models and not self.errors:
            self._check_size(variables, models)
        cleaned["variables"] = variables or []
        cleaned["model_list"] = models
        return cleaned

    def _variables(self, cleaned: dict[str, Any]) -> list[Variable] | None:
        """The variables, in the order given, checked against the template."""
        template = cleaned.get("template")
        try:
            used = template_variables(template) if template else []
        except MatrixProblem as exc:
            self.add_error("template", str(exc))
            return None
        if template and not used:
            self.add_error(
                "template",
                "The template has no variable: write at least one, like {product}, so the "
                "run has something to vary.",
            )
        variables: list[Variable] = []
        for i in range(1, MAX_VARIABLES + 1):
            variable = self._variable(i, cleaned, used if template else None)
            if variable is not None:
                if any(v.name == variable.name for v in variables):
                    self.add_error(f"name_{i}", f"{{{variable.name}}} is named twice.")
                    continue
                variables.append(variable)
        named = {v.name for v in variables}
        missing = [name for name in used if name not in named]
        if missing and not self.has_error("template"):
            listed = ", ".join(f"{{{m}}}" for m in missing)
            self.add_error(
                "template",
                f"The template uses {listed}, but no variable below has that name: name one "
                "and give it values, or take it out of the template.",
            )
        return variables

    def _variable(self, i: int, cleaned: dict[str, Any], used: list[str] | None) -> Variable | None:
        name = (cleaned.get(f"name_{i}") or "").strip().strip("{}").strip()
        raw = cleaned.get(f"values_{i}") or ""
        values = parse_values(raw)
        if not name:
            if values:
                self.add_error(f"name_{i}", "Name this variable: the template uses it as {name}.")
            return None
        if not NAME.match(name):
            self.add_error(
                f"name_{i}",
                f"“{name}” is not a variable name: letters, digits and _, not starting with a digit.",
            )
            return None
        if used is not None and name not in used:
            self.add_error(
                f"name_{i}",
                f"{{{name}}} is not in the template: use it there, or clear this variable.",
            )
            return None
        return self._checked_values(i, name, values)

    def _checked_values(self, i: int, name: str, values: list[str]) -> Variable | None:
        field = f"values_{i}"
        if not values:
            self.add_error(field, f"{{{name}}} has no values: give one a line, or a, b, c.")
            return None
        seen: set[str] = set()
        for value in values:
            if value.casefold() in seen:
                self.add_error(field, f"“{value}” is listed twice for {{{name}}}.")
                return None
            seen.add(value.casefold())
            if len(value) > MAX_VALUE_CHARS:
                self.add_error(
                    field, f"A value of {{{name}}} is over {MAX_VALUE_CHARS} characters."
                )
                return None
        if len(values) > MAX_VALUES:
            self.add_error(field, f"{{{name}}} has {len(values)} values; at most {MAX_VALUES}.")
            return None
        return Variable(name, tuple(values))

    def _check_n(self, models: list[StudioModel], n: int) -> None:
        too_many = [m for m in models if m.spec.n_field.max is not None and n > m.spec.n_field.max]
        if too_many:
            limits = ", ".join(f"{m.name} at most {m.spec.n_field.max}" for m in too_many)
            self.add_error("n", f"{n} images per cell is more than {limits} makes at a time.")

    def _check_size(self, variables: list[Variable], models: list[StudioModel]) -> None:
        counts = [len(v.values) for v in variables]
        cells = math.prod(counts) * len(models)
        if cells > MAX_CELLS:
            sizes = " × ".join(str(c) for c in counts)
            self.add_error(
                None,
                f"This matrix makes {cells:,} generations ({sizes} values × {len(models)} "
                f"models); a run makes at most {MAX_CELLS}. Use fewer values or models.",
            )
