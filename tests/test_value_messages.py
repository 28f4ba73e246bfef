"""Messages for values that are not finite numbers, empty cells, and missing inputs by context."""

import pytest

import gradcli
from _helpers import run_cli


def test_csv_cells_that_are_not_finite_or_empty(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,nan\n2,\n3,4\n")
    result = run_cli("x*y", "--at-file", str(path))
    text = " ".join(result.out.split())
    assert result.code == 2
    assert "row 1 of " in text and "column y: 'nan': a value must be a finite number" in text
    assert "column y: the value is empty: write a number" in text
    assert "12" in text              # the good row is still computed


