"""Prompt templates with named slots: `{subject} on a white seamless background`.

A slot is `{name}` with a name made of letters, digits and underscores (not starting
with a digit). There is no escaping: a brace is always part of a slot, so a stray or
unbalanced one is an error the form reports, never a surprise at apply time.
"""

from __future__ import annotations

import re

# Offered in every preset from the team's brand kit (see models.BrandKit).
BRAND_SLOTS = ("brand_colours", "brand_style")
_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TemplateProblem(ValueError):
    """A template or slot list the studio cannot use; the message says what to fix."""


def slot_names(template: str) -> list[str]:
    """The slots a template uses, in order of first use. Raises TemplateProblem for
    braces that do not make a slot."""
    rest = _SLOT.sub("", template)
    if "{" in rest or "}" in rest:
        raise TemplateProblem(
            "The template has a brace that does not make a slot: write slots as {name} "
            "(letters, digits and _), and check every { has its }."
        )
    return list(dict.fromkeys(_SLOT.findall(template)))


def parse_slot_lines(text: str) -> dict[str, str]:
    """`name` or `name = default`, one a line -> {name: default}."""
    slots: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, _, default = line.partition("=")
        name = name.strip().strip("{}")
        if not _NAME.match(name):
            raise TemplateProblem(
                f"Line {number} of the slots: “{name}” is not a slot name "
                "(letters, digits and _, not starting with a digit)."
            )
        if name in BRAND_SLOTS:
            raise TemplateProblem(
                f"{{{name}}} comes from the team's brand kit: remove line {number}."
            )
        if name in slots:
            raise TemplateProblem(f"The slot {{{name}}} is listed twice.")
        slots[name] = default.strip()
    return slots


def slot_lines(slots: dict[str, str]) -> str:
    return "\n".join(f"{name} = {default}" if default else name for name, default in slots.items())


def check_template(template: str, slots: dict[str, str]) -> None:
    """Every slot the template uses is declared (or a brand slot); every declared one
    is used."""
    used = slot_names(template)
    unknown = [n for n in used if n not in slots and n not in BRAND_SLOTS]
    if unknown:
        names = ", ".join(f"{{{n}}}" for n in unknown)
        known = ", ".join(f"{{{n}}}" for n in (*slots, *BRAND_SLOTS))
        raise TemplateProblem(
            f"The template uses {names}, which is not a slot. Add it to the slots, or use "
            f"one of: {known}."
        )
    unused = [n for n in slots if n not in used]
    if unused:
        names = ", ".join(f"{{{n}}}" for n in unused)
        raise TemplateProblem(f"The slots list {names}, but the template never uses it.")


def fill(template: str, values: dict[str, str]) -> str:
    """The template with every slot replaced by its value (a missing one by "")."""
    return _SLOT.sub(lambda m: values.get(m.group(1), ""), template)
