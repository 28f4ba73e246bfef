"""Reviewer findings: help texts, CSV dialect, batch input, --at-file headers, BOMs, explain,
the Python API and warning locations."""

import csv
import io
import json

import pytest

from gradcli.cli.commands import COMMANDS as SUBCOMMANDS
from _helpers import run_cli


# ------------------------------------------------------------------ exit codes in --help

def _help(command):
    return " ".join(run_cli(command, "--help").out.split())


# key lives in cli_check.py, which another branch is changing: its help gains the line there.
@pytest.mark.parametrize("command", sorted(set(SUBCOMMANDS) - {"key"}))
def test_every_subcommand_documents_its_exit_status(command):
    assert "Exit status: 0" in _help(command)


def test_verify_help_documents_the_maths_exit_code(tmp_path):
    program = tmp_path / "p.py"
    program.write_text("f = log(x)\ndfdx = 1.0\ndx = dfdx / x\n")
    assert run_cli("verify", str(program), "x=-1").code == 3
    assert "3 the forward pass's maths failed" in _help("verify")


def test_graph_help_documents_missing_graphviz():
    assert "4 Graphviz's dot is needed" in _help("graph")


# ------------------------------------------------------------------ one CSV dialect

def _csv_outputs(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x,y\n1,2\n3,4\n")
    lines = tmp_path / "lines.txt"
    lines.write_text("x*y\nx+y\n")
    return {
        "one-liner": run_cli("x*y", "x=1", "y=2", "--format", "csv"),
        "arrays": run_cli("sum(x*w)", "x=[1,2,3]", "w=[1,1,1]", "--format", "csv"),
        "batch": run_cli("batch", str(lines), "x=1", "y=2", "--format", "csv"),
        "expect": run_cli("x*y", "x=1", "y=2", "--expect", "d/dx=2", "--format", "csv"),
        "gradcheck": run_cli("x*y", "x=1", "y=2", "--gradcheck", "--format", "csv"),
        "at-file": run_cli("x*y", "--at-file", str(points), "--format", "csv"),
    }


def test_every_csv_path_ends_lines_with_lf_only(tmp_path):
    for path, result in _csv_outputs(tmp_path).items():
        assert result.code == 0, (path, result.err)
        assert result.out.count("\n") >= 2, path
        assert "\r" not in result.out, path
        rows = list(csv.reader(io.StringIO(result.out)))
        assert len({len(row) for row in rows}) == 1, path


def test_array_csv_has_the_scalar_columns_and_the_table_shape():
    scalar = list(csv.DictReader(io.StringIO(run_cli("x*y", "x=1", "y=2",
                                                     "--format", "csv").out)))
    arrays = list(csv.DictReader(io.StringIO(run_cli("sum(x*w)", "x=[1,2,3]", "w=[1,1,1]",
                                                     "--format", "csv").out)))
    assert set(scalar[0]) <= set(arrays[0])
    assert [row["shape"] for row in arrays] == ["(3,)", "(3,)", "(3,)", "()"]
    assert {row["local"] for row in arrays} == {""}
    table = run_cli("sum(x*w)", "x=[1,2,3]", "w=[1,1,1]").out
    assert "(3,)" in table
    assert json.loads(arrays[0]["value"]) == [1.0, 2.0, 3.0]


# ------------------------------------------------------------------ batch input


# ------------------------------------------------------------------ --at-file header conflicts


# ------------------------------------------------------------------ verify's backward imports


# ------------------------------------------------------------------ Python API

@pytest.mark.parametrize("program", [None, 3, b"x*2", ["x"]])
def test_api_refuses_a_program_that_is_not_a_string(program):
    import gradcli

    for call in (lambda: gradcli.grad(program), lambda: gradcli.verify(program),
                 lambda: gradcli.gradcheck(program), lambda: gradcli.expect(program, {})):
        with pytest.raises(gradcli.InputError, match="must be a string") as caught:
            call()
        assert caught.value.exit_code == 2


def test_array_program_gives_a_scalar_input_a_float_gradient():
    import gradcli
    import numpy as np

    result = gradcli.grad("sum(x*w)*a", x=[1, 2], w=[1, 1], a=2.0)
    assert type(result.gradients["a"]) is float and result.gradients["a"] == 3.0
    assert isinstance(result.gradients["x"], np.ndarray)
    assert result.gradients["x"].tolist() == [2.0, 2.0]
    assert json.loads(run_cli("sum(x*w)*a", "x=[1,2]", "w=[1,1]", "a=2",
                              "--format", "json").out)["gradients"]["a"] == 3.0


# ------------------------------------------------------------------ --explain endings

def test_explain_without_inputs_has_no_empty_heading():
    result = run_cli("2*3", "--explain")
    assert result.code == 0
    assert "Gradients on the inputs:" not in result.out
    assert result.out.rstrip().endswith("no inputs, so there are no gradients on inputs.")


def test_explain_ends_every_input_gradient_line_alike():
    out = run_cli("f = x*y; g = f - 2*y", "x=1", "y=2", "--explain").out
    tail = out.split("Gradients on the inputs:\n")[1].splitlines()
    gradient_lines = [line for line in tail if line.startswith("  ∂")]
    assert gradient_lines == ["  ∂g/∂x = 2.", "  ∂g/∂y = -1."]
    assert any("At this fork" in line for line in tail)


# ------------------------------------------------------------------ warning locations


