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


# ------------------------------------------------------------------ warning locations


