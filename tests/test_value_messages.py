"""Messages for values that are not finite numbers, empty cells, and missing inputs by context."""

import pytest

import gradcli
from _helpers import run_cli


@pytest.mark.parametrize("value, name, column", [("nan", "nan", 1), ("-Inf", "-Inf", 1),
                                                 ("infinity", "infinity", 1)])
def test_a_binding_that_is_not_finite(value, name, column):
    result = run_cli("x", f"x={value}")
    assert result.code == 2
    assert f"in the value of x: {name!r}: a value must be a finite number" in result.err
    assert f"at line 1, column {column}" in result.err
    assert "cannot use names" not in result.err


def test_an_array_binding_that_is_not_finite():
    result = run_cli("sum(w)", "w=[1,nan]")
    assert result.code == 2
    assert "in the value of w: 'nan': a value must be a finite number" in result.err
    assert "    [1,nan]\n       ^^^" in result.err
    assert "cannot use names" in run_cli("sum(w)", "w=[1,x]").err


def test_csv_cells_that_are_not_finite_or_empty(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,nan\n2,\n3,4\n")
    result = run_cli("x*y", "--at-file", str(path))
    text = " ".join(result.out.split())
    assert result.code == 2
    assert "row 1 of " in text and "column y: 'nan': a value must be a finite number" in text
    assert "column y: the value is empty: write a number" in text
    assert "12" in text              # the good row is still computed


def test_a_missing_input_is_worded_for_its_context(tmp_path):
    assert "give it on the command line, e.g. y=1" in run_cli("x*y", "x=1").err
    for call in (lambda: gradcli.grad("x*y", x=1), lambda: gradcli.gradcheck("x*y", {"x": 1}),
                 lambda: gradcli.expect("x*y", {"value": 1}, {"x": 1}),
                 lambda: gradcli.grad("sum(w*y)", {"w": [1, 2]})):
        with pytest.raises(gradcli.InputError) as error:
            call()
        assert "give it in bindings, e.g. {'y': 1}" in error.value.message
    path = tmp_path / "m.toml"
    path.write_text('[[problem]]\nid = "1a"\nprogram = "x*y"\nat = {x = 1}\nexpect = {value = 2}\n')
    result = run_cli("check", str(path))
    assert "give it in the problem's at table, e.g. at = {y = 1}" in result.out
    result = run_cli("check", "--problems", str(path), str(path))
    assert result.code == 2 and "give it in the problem's at table" in result.err
