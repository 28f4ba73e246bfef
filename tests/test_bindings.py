"""Bindings, the values a run gives a program's inputs: NAME=VALUE on the command line
(constant expressions, arrays, and arrays from .npy, .csv and .json files) and in the Python
API; names the program has no input for, computes, or holds as constants; missing inputs, worded
for where their value would be given; and values that are not finite numbers."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from _helpers import run, run_cli

import gradcli
from gradcli.cli import main
from gradcli.compute import parse_binding_value
from gradcli.errors import GradcliError
from gradcli.lang.syntax import parse
from gradcli.program.bindings import check_bindings
from gradcli.program.lower import lower


def graph_of(source: str, output: str | None = None):
    return lower(parse(source), source, None, output)


def error_of(source: str, **bindings) -> GradcliError:
    with pytest.raises(GradcliError) as info:
        gradcli.grad(source, **bindings)
    return info.value


# ------------------------------------------------------------------ names

def test_binding_an_unknown_name_suggests_the_input():
    error = error_of("alpha*beta", alpha=1, beta=2, alfa=1)
    assert error.message.startswith("the program has no input named 'alfa' (did you mean 'alpha'?)")
    assert "its inputs are: alpha, beta" in error.message


def test_binding_a_name_the_program_computes():
    error = error_of("q = x*y\nf = q + 1", x=1, y=1, q=3)
    assert error.message == "'q' is computed by the program (line 1), so it cannot be given a value"


def test_binding_a_constant():
    assert "'pi' is a constant" in error_of("x*2", x=1, pi=3).message


def test_all_missing_inputs_in_one_message():
    error = error_of("a*b + c*d", b=1)
    assert error.message.startswith("no value for the inputs a, c, d: give them in bindings, "
                                    "e.g. {'a': 1, 'c': 1, 'd': 1}")
    assert str(error) == error.message
    single = error_of("a*b", b=1)
    assert single.message.startswith("no value for the input a: give it")


def test_missing_input_that_looks_like_a_misspelt_assignment():
    error = error_of("total = x + 1\nf = totl * 2", x=1)
    assert "totl" in error.message and "'total'" in error.message


# ------------------------------------------------------------------ values

@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, "2", None])
def test_non_finite_or_non_numeric_values(bad):
    error = error_of("x*y", x=1, y=bad)
    assert error.message.startswith("the value for 'y' must be a finite number")
    assert error.exit_code == 2


def test_check_bindings_converts_ints():
    graph = graph_of("x*y")
    assert check_bindings(graph, {"x": 1, "y": 2}) == {"x": 1.0, "y": 2.0}


@pytest.mark.parametrize("text, value", [("2", 2.0), ("-2", -2.0), ("pi/2", math.pi / 2),
                                         ("1/3", 1 / 3), ("2^-1", 0.5), ("math.e", math.e),
                                         ("sqrt(2)", math.sqrt(2)), ("1e-3", 1e-3)])
def test_binding_values_are_constant_expressions(text, value):
    assert parse_binding_value(text) == value


@pytest.mark.parametrize("text, exit_code", [("y", 2), ("1 +", 2), ("1/0", 3), ("1e999", 2),
                                             ("log(0)", 3), ("a = 1", 2), ("1; 2", 2)])
def test_bad_binding_values(text, exit_code):
    with pytest.raises(GradcliError) as info:
        parse_binding_value(text)
    assert info.value.exit_code == exit_code


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


# ------------------------------------------------------------------ on the command line

def test_bindings_are_constant_expressions(cli):
    run = cli("sin(t)", "t=pi/2", "--format", "json")
    assert json.loads(run.out)["value"] == 1.0
    run = cli("x", "x=1/3", "--format", "json")
    assert json.loads(run.out)["value"] == 1 / 3


def test_bindings_without_an_expression_say_so():
    done = subprocess.run([sys.executable, "-m", "gradcli", "x=-2", "y=5"], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr.startswith("error: no expression: 'x=-2' is a binding")


def test_a_non_ascii_binding_name_says_names_are_ascii(capsys):
    assert main(["\u03b8*2", "\u03b8=1"]) == 2
    assert "names are ASCII" in capsys.readouterr().err


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


# ------------------------------------------------------------------ arrays, and arrays from files

def test_bindings_from_the_command_line(capsys):
    status, out, _ = run(["W @ x", "W=[[1,2],[3,4]]", "x=[1, -1]", "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["value"] == [-1.0, -1.0]
    assert data["gradients"]["W"] == [[1, -1], [1, -1]]


def test_bindings_from_files(capsys, tmp_path):
    np.save(tmp_path / "W.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
    (tmp_path / "x.csv").write_text("1,-1\n")
    (tmp_path / "y.json").write_text("[[2], [3]]")
    status, out, err = run(["sum(W @ x) + sum(W @ y)", f"W=@{tmp_path / 'W.npy'}",
                            f"x=@{tmp_path / 'x.csv'}", f"y=@{tmp_path / 'y.json'}",
                            "--format", "json"], capsys)
    assert status == 0, err
    data = json.loads(out)
    assert data["value"] == -2.0 + 8 + 18
    assert data["gradients"]["x"] == [4.0, 6.0]


def test_a_pickled_npy_is_refused(capsys, tmp_path):
    np.save(tmp_path / "evil.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    status, out, err = run(["sum(W)", f"W=@{tmp_path / 'evil.npy'}"], capsys)
    assert status == 2
    assert "not a plain numeric .npy file" in err


@pytest.mark.parametrize("name,text,fragment", [
    ("a.csv", "1,2\n3\n", "different numbers of cells"),
    ("a.csv", "x,y\n1,2\n", "every cell must be a number"),
    ("a.json", "{\"a\": 1}", "nested lists"),
    ("a.json", "[1, 2", "not valid JSON"),
    ("a.txt", "1", "must end in .npy, .csv or .json"),
    ("a.json", "[[1, 2], [3]]", "rectangular"),
])
def test_bad_array_files(capsys, tmp_path, name, text, fragment):
    (tmp_path / name).write_text(text)
    status, _, err = run(["sum(W)", f"W=@{tmp_path / name}"], capsys)
    assert status == 2 and fragment in err and "Traceback" not in err


def test_missing_array_file(capsys, tmp_path):
    status, _, err = run(["sum(W)", f"W=@{tmp_path / 'nope.npy'}"], capsys)
    assert status == 2 and "no such file" in err
