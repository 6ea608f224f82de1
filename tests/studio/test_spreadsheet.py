"""The one CSV rule every export uses (studio.spreadsheet)."""

from __future__ import annotations

import csv
import io

import pytest

from studio.spreadsheet import Echo, safe_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_defused(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value, expected", [("sneaker", "sneaker"), (None, ""), (12, "12")])
def test_other_values_pass_as_they_are(value, expected):
    assert safe_cell(value) == expected


def test_echo_hands_each_line_back_to_the_stream():
    line = csv.writer(Echo()).writerow(["a", safe_cell("=1")])
    assert next(csv.reader(io.StringIO(line))) == ["a", "'=1"]
