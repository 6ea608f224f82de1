"""Prompt templates with named slots."""

from __future__ import annotations

import pytest

from presets.slots import TemplateProblem, check_template, fill, parse_slot_lines, slot_names


def test_slots_are_found_in_order_of_first_use():
    assert slot_names("{subject} on white, {colours}, {subject}") == ["subject", "colours"]


@pytest.mark.parametrize(
    "template", ["{subject", "subject}", "{{subject}}", "{}", "{0}", "{a.b}", "{a:>3}"]
)
def test_braces_that_make_no_slot_are_refused(template):
    with pytest.raises(TemplateProblem, match="brace"):
        slot_names(template)


def test_slot_lines_give_names_and_defaults():
    assert parse_slot_lines("subject\ncolours = navy and gold\n\n") == {
        "subject": "",
        "colours": "navy and gold",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [("2nd = x", "not a slot name"), ("a\na", "twice"), ("brand_style = x", "brand kit")],
)
def test_bad_slot_lines_are_refused(text, message):
    with pytest.raises(TemplateProblem, match=message):
        parse_slot_lines(text)


def test_unknown_and_unused_slots_are_refused_but_brand_slots_are_offered():
    check_template("{subject} in {brand_colours}, {brand_style}", {"subject": ""})
    with pytest.raises(TemplateProblem, match=r"uses \{subjet\}, which is not a slot"):
        check_template("{subjet}", {"subject": ""})
    with pytest.raises(TemplateProblem, match="never uses"):
        check_template("a fox", {"subject": ""})


def test_fill_replaces_every_slot():
    assert fill("{a} and {b} and {a}", {"a": "x"}) == "x and  and x"
