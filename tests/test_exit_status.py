"""Each exit status pinned: 0, 1 (reserved for checks), 2, 3, 4, 70, 74 and 130, never a
traceback; and each command's help lists the statuses it exits with."""

from __future__ import annotations

import json

import pytest
from _helpers import run_cli

from gradcli.cli import one_liner
from gradcli.cli.commands import COMMANDS as SUBCOMMANDS
from gradcli.errors import (
    CheckFailed,
    ExitStatus,
    GradcliError,
    InputError,
    InternalError,
    MathError,
    MissingProgram,
)


def test_the_codes():
    assert {s.name: int(s) for s in ExitStatus} == {
        "OK": 0, "CHECK_FAILED": 1, "BAD_INPUT": 2, "MATH_ERROR": 3, "MISSING_PROGRAM": 4,
        "INTERNAL_ERROR": 70, "OUTPUT_ERROR": 74, "INTERRUPTED": 130}
    assert [cls("m").exit_code for cls in (CheckFailed, InputError, MathError, MissingProgram,
                                           InternalError)] == [1, 2, 3, 4, 70]
    assert GradcliError("m", exit_code=5).exit_code == 5


def test_0_ok(cli):
    assert cli("x", "x=1").status == 0


def test_0_with_warnings(cli):
    assert cli("relu(x)", "x=0").status == 0


def test_2_bad_input(cli):
    assert cli("x +").status == 2


def test_3_math_failed(cli):
    assert cli("log(x)", "x=0").status == 3


def failing_compute(exc):
    def compute(*args, **kwargs):
        raise exc
    return compute


@pytest.mark.parametrize("exc, status", [
    (CheckFailed("the gradient differs"), 1),
    (MissingProgram("dot (Graphviz) is not installed"), 4),
])
def test_1_and_4_come_from_their_error_classes(cli, monkeypatch, exc, status):
    monkeypatch.setattr(one_liner, "compute", failing_compute(exc))
    run = cli("x", "x=1")
    assert run.status == status
    assert run.err == f"error: {exc.message}\n" and run.out == ""
    run = cli("x", "x=1", "--format", "json")
    assert json.loads(run.out) == {"error": {"message": exc.message, "exit_code": status,
                                             "line": None, "column": None}}


@pytest.mark.parametrize("exc", [ValueError("boom"), KeyError("k"), AttributeError("a"),
                                 RecursionError(), ZeroDivisionError(), MemoryError()])
def test_70_internal_error_without_a_traceback(cli, monkeypatch, exc):
    monkeypatch.setattr(one_liner, "compute", failing_compute(exc))
    run = cli("x", "x=1")
    assert run.status == 70
    assert run.out == ""
    assert run.err.startswith("error: ")
    assert "Traceback" not in run.err
    if not isinstance(exc, MemoryError):
        assert "please report" in run.err


def test_70_as_json(cli, monkeypatch):
    monkeypatch.setattr(one_liner, "compute", failing_compute(ValueError("boom")))
    run = cli("x", "x=1", "--format", "json")
    assert run.status == 70
    error = json.loads(run.out)["error"]
    assert error["exit_code"] == 70 and "ValueError: boom" in error["message"]


def test_70_from_a_renderer_bug(cli, monkeypatch):
    import gradcli.render.machine as machine

    def broken(report, settings):
        raise TypeError("renderer bug")
    monkeypatch.setattr(machine, "render_csv", broken)
    run = cli("x", "x=1", "--format", "csv")
    assert run.status == 70 and "TypeError: renderer bug" in run.err


def test_130_interrupted(cli, monkeypatch):
    monkeypatch.setattr(one_liner, "compute", failing_compute(KeyboardInterrupt()))
    run = cli("x", "x=1")
    assert run.status == 130
    assert "interrupted" in run.err and "Traceback" not in run.err and run.out == ""


def test_130_from_click_abort(cli, monkeypatch):
    import click

    monkeypatch.setattr(one_liner, "compute", failing_compute(click.exceptions.Abort()))
    assert cli("x", "x=1").status == 130


def test_broken_pipe_in_process_is_quiet(cli, monkeypatch):
    monkeypatch.setattr(one_liner, "compute", failing_compute(BrokenPipeError()))
    import gradcli.cli as cli_module
    monkeypatch.setattr(cli_module, "_silence_stdout", lambda: None)
    run = cli("x", "x=1")
    assert run.status == 0 and run.err == ""


def test_run_exits_with_mains_status(monkeypatch):
    import sys

    import gradcli.cli as cli_module

    monkeypatch.setattr(cli_module, "_exit", sys.exit)

    monkeypatch.setattr(cli_module, "main", lambda: 3)
    with pytest.raises(SystemExit) as info:
        cli_module.run()
    assert info.value.code == 3

    def interrupted():
        raise KeyboardInterrupt
    monkeypatch.setattr(cli_module, "main", interrupted)
    with pytest.raises(SystemExit) as info:
        cli_module.run()
    assert info.value.code == 130


# ------------------------------------------------------------------ in every command's help

def _help(command):
    return " ".join(run_cli(command, "--help").out.split())


# key's help does not list exit statuses; every other command's does.
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
