"""The command line (cli/): the click Group and the one-liner, through gradcli.cli.main.

Every error class with its exit status, message and caret, as text and as JSON; usage errors;
user text echoed literally; the one-liner's options, wherever they stand, and the options that
cannot work together; colour; files, pipes and -o; version and help; environment defaults; shell
completion; and real processes. Hostile conditions are in test_cli_robustness.py, each exit
status in test_exit_status.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest

from gradcli.cli import main

from _helpers import run_cli


def caret_block(err: str) -> list[str]:
    """The source line and the caret line of a rendered error (the last two lines)."""
    return err.rstrip("\n").split("\n")[-2:]


# ------------------------------------------------------------------ every error class

ERRORS = [
    # argv, exit code, message fragment, "line L, column C" or None, [source line, caret line]
    (["x +"], 2, "an operand is missing", "line 1, column 4", ["x +", "   ^"]),
    (["exp((x)", "x=1"], 2, "'(' is never closed", "line 1, column 4", ["exp((x)", "   ^"]),
    (["x)", "x=1"], 2, "unmatched ')'", "line 1, column 2", ["x)", " ^"]),
    (["x y", "x=1", "y=2"], 2, "an operator (such as '*') or a new statement is missing",
     "line 1, column 3", ["x y", "  ^"]),
    (["return x", "x=1"], 2, "gradcli is not Python: 'return'", "line 1, column 1",
     ["return x", "^^^^^^"]),
    (["print(x)", "x=1"], 2, "print is not needed", "line 1, column 1", ["print(x)", "^^^^^"]),
    (["x − 1", "x=1"], 2, "U+2212 MINUS SIGN) outside a comment; use '-'", "line 1, column 3",
     ["x − 1", "  ^"]),
    (["sigmod(x)", "x=1"], 2, "unknown function 'sigmod' (did you mean 'sigmoid'?)",
     "line 1, column 1", ["sigmod(x)", "^^^^^^"]),
    (["exp(x, x)", "x=1"], 2, "exp takes 1 argument, not 2", "line 1, column 1",
     ["exp(x, x)", "^^^^^^^^^"]),
    (["x = 1; x = 2"], 2, "'x' is assigned twice (both on line 1)", "line 1, column 8",
     ["x = 1; x = 2", "       ^"]),
    (["y = z\nz = 1"], 2, "'z' is used on line 1 before it is assigned on line 2",
     "line 1, column 5", ["y = z", "    ^"]),
    (["pi = 3"], 2, "'pi' is a constant and cannot be assigned", "line 1, column 1",
     ["pi = 3", "^^"]),
    (["exp = 1\nexp(exp)"], 2, "'exp' is assigned on line 1 and called as a function on line 2",
     "line 2, column 1", ["exp(exp)", "^^^"]),
    (["import os\nx", "x=1"], 2, "only 'import math' and 'import numpy as np'", "line 1", None),
    (["x*y", "x=1"], 2, "no value for the input y: give it on the command line", None, None),
    (["x*y", "x=1", "y=2", "z=3"], 2, "the program has no input named 'z'", None, None),
    (["x*y", "x=1", "yy=2"], 2, "no input named 'yy' (did you mean 'y'?)", None, None),
    (["x", "x=1", "x=2"], 2, "'x' is given twice on the command line", None, None),
    (["x", "x=1", "oops"], 2, "'oops' is not a binding: write NAME=VALUE", None, None),
    (["x", "x="], 2, "has no value after '='", None, None),
    (["x", "x=1e999"], 2, "in the value of x: the number 1e999 is too large", "line 1, column 1",
     ["1e999", "^^^^^"]),
    (["x", "x=y+1"], 2, "in the value of x: 'y': a constant expression cannot use names",
     "line 1, column 1", ["y+1", "^"]),
    (["q = x + 1\nq", "x=1", "q=2"], 2, "'q' is computed by the program (line 1)", None, None),
    (["x", "--output", "nope", "x=1"], 2, "--output: the program has no name 'nope'", None, None),
    (["x", "--wrt", "nope", "x=1"], 2, "--wrt: 'nope' is not an input", None, None),
    (["-f", "/nonexistent/prog.py"], 2, "no such file: /nonexistent/prog.py", None, None),
    (["log(x)", "x=0"], 3, "log(0) in log(x): log of 0 is -infinity", "line 1, column 1",
     ["log(x)", "^^^^^^"]),
    (["2 * sqrt(x)", "x=-1"], 3, "sqrt(-1) in sqrt(x)", "line 1, column 5",
     ["2 * sqrt(x)", "    ^^^^^^^"]),
    (["1/x", "x=0"], 3, "div(1, 0) in 1 / x: division by zero", "line 1, column 1", ["1/x", "^^^"]),
    (["x^-1", "x=0"], 3, "0 raised to a negative power is infinite", "line 1, column 1", None),
    (["x^(1/3)", "x=-8"], 3, "not a real number", "line 1, column 1", None),
    (["asin(x)", "x=2"], 3, "asin(2) in asin(x)", "line 1, column 1", None),
    (["exp(x)", "x=1000"], 3, "exp(1000) in exp(x): the result is too large for a float64",
     "line 1, column 1", None),
    (["9^9^9^9"], 3, "overflow", "line 1, column 3", None),
    (["x", "x=1/0"], 3, "in the value of x: div(1, 0): division by zero", "line 1, column 1", None),
]


@pytest.mark.parametrize("argv, status, message, where, caret", ERRORS,
                         ids=[" ".join(e[0]) for e in ERRORS])
def test_error_classes(cli, argv, status, message, where, caret):
    run = cli(*argv)
    assert run.status == status, run
    assert run.out == ""
    assert run.err.startswith("error: ")
    assert message in run.err
    assert "Traceback" not in run.err
    if where is None:
        assert "column" not in run.err
    else:
        assert f"at {where}" in run.err
    if caret is not None:
        assert caret_block(run.err) == ["    " + caret[0], "    " + caret[1]]


@pytest.mark.parametrize("argv, status, message, where, caret", ERRORS,
                         ids=[" ".join(e[0]) for e in ERRORS])
def test_error_classes_as_json(cli, argv, status, message, where, caret):
    run = cli(*argv, "--format", "json")
    assert run.status == status
    data = json.loads(run.out)
    assert set(data) == {"error"}
    error = data["error"]
    assert set(error) >= {"message", "exit_code", "line", "column"}
    assert error["exit_code"] == status and message in error["message"]
    if where is None:
        assert error["line"] is None and error["column"] is None
    elif "column" in where:
        line, column = where.replace("line ", "").split(", column ")
        assert (error["line"], error["column"]) == (int(line), int(column))
    assert run.err.startswith("error: ")         # the human message still goes to stderr


def test_no_program_at_all(cli):
    run = cli()
    assert run.status == 2 and "no program" in run.err and run.out == ""


# ------------------------------------------------------------------ usage errors

def test_click_usage_errors_exit_2(cli):
    run = cli("x", "x=1", "--precision", "0")
    assert run.status == 2 and "invalid value for '--precision'" in run.err and run.out == ""
    assert run.err.startswith("error: ") and "Usage:" not in run.err
    run = cli("x", "x=1", "--format", "xml")
    assert run.status == 2 and "'xml' is not one of" in run.err
    run = cli("x", "x=1", "--bogus")
    assert run.status == 2 and "no such option" in run.err


def test_click_usage_error_as_json(cli):
    run = cli("--format=json", "x", "x=1", "--bogus")
    assert run.status == 2
    assert "no such option '--bogus'" in json.loads(run.out)["error"]["message"]


@pytest.mark.parametrize("args,words", [
    (["--precision", "0", "x", "x=1"], "invalid value for '--precision'"),
    (["--format", "foo", "x"], "invalid value for '--format'"),
    (["--no-such-option", "x"], "no such option"),
])
def test_option_errors_read_like_every_other_error(args, words, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err.lower()
    assert "see gradcli --help" in err
    assert "Usage:" not in err and len(err.strip().splitlines()) == 1


def test_a_misspelt_command_gets_a_suggestion(capsys):
    assert main(["verfy", "neuron.py"]) == 2
    assert "did you mean the command 'gradcli verify'?" in capsys.readouterr().err


# ------------------------------------------------------------------ user text echoed literally

@pytest.mark.parametrize("argv, literal", [
    (["x + [bold", "x=1"], "[bold"),
    (["x + [/]", "x=1"], "[/]"),
    (["x", "x=1", "[red]y=2"], "[red]y=2"),
    (["[/]", "x=1"], "[/]"),
])
def test_rich_markup_is_echoed_literally(cli, argv, literal):
    run = cli(*argv)
    assert run.status == 2
    assert literal in run.err
    run = cli(*argv, "--format", "json")
    assert run.status == 2 and run.err and json.loads(run.out)["error"]["message"]


@pytest.mark.parametrize("argv", [
    ["x \x1b[31m", "x=1"],
    ["x", "x=1", "\x1b[2Jy=1"],
    ["x +\x07", "x=1"],
    ["x = 1 # \x1b]0;title\x07\ny = x +"],
    ["x", "\x1b=1"],
])
def test_control_characters_are_never_echoed_raw(cli, argv):
    run = cli(*argv)
    assert run.status == 2
    for ch in "\x1b\x07":
        assert ch not in run.err and ch not in run.out
    json_run = cli(*argv, "--format", "json")
    assert "\x1b" not in json_run.err
    json.loads(json_run.out)        # JSON escapes them itself


# ------------------------------------------------------------------ the one-liner

def test_the_first_example(cli):
    run = cli("(x+y)*z", "x=-2", "y=5", "z=-4")
    assert run.status == 0 and run.err == ""
    assert "f = -12" in run.out and "∂f/∂x = -4   ∂f/∂y = -4   ∂f/∂z = 3" in run.out
    assert "\x1b" not in run.out            # not a terminal: plain text


def test_an_expression_may_begin_with_a_minus(cli):
    run = cli("-x*y", "x=2", "y=3", "--format", "json")
    assert run.status == 0
    data = json.loads(run.out)
    assert data["value"] == -6.0 and data["gradients"] == {"x": -3.0, "y": -2.0}


@pytest.mark.parametrize("argv", [
    ["--format", "json", "x*y", "x=2", "y=3"],
    ["x*y", "--format", "json", "x=2", "y=3"],
    ["x*y", "x=2", "y=3", "--format", "json"],
    ["x*y", "x=2", "--format=json", "y=3"],
    ["--precision", "3", "x*y", "--format", "json", "x=2", "y=3"],
])
def test_options_anywhere(cli, argv):
    run = cli(*argv)
    assert run.status == 0, run
    assert json.loads(run.out)["gradients"] == {"x": 3.0, "y": 2.0}


def test_double_dash_forces_an_expression(cli, monkeypatch):
    from gradcli.cli import commands

    monkeypatch.setitem(commands.COMMANDS, "fake", ("test_cli:fake_command", "a test command"))
    run = cli("fake")
    assert run.status == 0 and run.out == "fake command ran\n"
    run = cli("--format", "csv", "--", "fake", "fake=2")
    assert run.status == 0 and "fake,input" in run.out
    run = cli("--format", "csv", "--", "-x", "x=2")
    assert run.status == 0 and "-x" in run.out


@click.command()
def fake_command():
    click.echo("fake command ran")


@pytest.mark.parametrize("word", ["--x", "--bogus=1", "--formt"])
def test_a_word_like_an_unknown_option_says_how_to_pass_an_expression(cli, word):
    run = cli(word, "x=1")
    assert run.status == 2 and run.out == ""
    assert f"no such option '{word.split('=')[0]}'" in run.err
    assert f"goes after '--': gradcli -- {word.split('=')[0]} x=1" in run.err
    if word == "--formt":
        assert "(did you mean '--format'?)" in run.err


def test_an_expression_after_double_dash_may_start_with_dashes(cli):
    run = cli("--format", "json", "--", "--x", "x=3")
    assert run.status == 0 and json.loads(run.out)["value"] == 3.0


@pytest.mark.parametrize("argv", [["diff", "-cos(x)"], ["diff", "-np.tanh(x)"],
                                  ["graph", "-x*y", "x=1", "y=2"]])
def test_commands_read_a_leading_minus_as_an_expression(cli, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    run = cli(*argv)
    assert run.status == 0 and run.err == ""
    assert list(tmp_path.iterdir()) == []       # never `-c -o s(x)`: no file is written


def test_wrt_limits_the_summary_but_not_json(cli):
    run = cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--wrt", "x,z")
    assert "∂f/∂x = -4" in run.out and "∂f/∂z = 3" in run.out and "∂f/∂y" not in run.out
    data = json.loads(cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--wrt", "x", "--format", "json").out)
    assert set(data["gradients"]) == {"x", "y", "z"}


def test_wrt_accepts_named_intermediates(cli, staged):
    run = cli(staged, "--wrt", "den,xpy")
    assert "∂f/∂den = -0.7916" in run.out and "∂f/∂xpy = 1.583" in run.out


def test_wrt_names_are_listed_once(capsys):
    assert main(["x*2", "x=1", "--wrt", "x,x"]) == 0
    assert capsys.readouterr().out.count("∂f/∂x = 2") == 1


def test_precision(cli):
    assert "f = 0.3333\n" in cli("x/3", "x=1").out
    assert "f = 0.33333333\n" in cli("x/3", "x=1", "--precision", "8").out
    data = json.loads(cli("x/3", "x=1", "--precision", "2", "--format", "json").out)
    assert data["value"] == 1 / 3


def test_all_shows_constants(cli):
    plain = cli("2*x", "x=1").out
    every = cli("2*x", "x=1", "--all").out
    assert " const " not in plain and "1 constant node not shown (--all shows them)" in plain
    assert " const " in every and "not shown" not in every


def test_output_option(cli):
    run = cli("q = x*y\nf = q + 1", "x=2", "y=3", "--output", "q", "--format", "json")
    data = json.loads(run.out)
    assert data["value"] == 6.0 and data["nodes"][-1]["name"] == "q"


@pytest.mark.parametrize("fmt, check", [
    ("json", lambda out: json.loads(out)["value"] == -12.0),
    ("csv", lambda out: out.startswith("id,name,op,text,value,grad,inputs,local\n")),
    ("markdown", lambda out: out.startswith("| node | op |")),
    ("table", lambda out: "f = -12" in out),
])
def test_formats(cli, fmt, check):
    run = cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--format", fmt)
    assert run.status == 0 and check(run.out)


# ------------------------------------------------------------------ options that conflict

@pytest.mark.parametrize("args, pair", [
    (["--expect", "value=-12", "--format", "tree"], "--expect and --format tree"),
    (["--expect", "value=-12", "--explain"], "--explain and --expect"),
    (["--gradcheck", "--mode", "forward", "--wrt", "x"], "--mode forward and --gradcheck"),
    (["--expect", "value=-12", "--exact"], "--exact and --expect"),
    (["--quiet"], "--quiet needs --expect, --gradcheck or --at-file"),
    (["--hide-answers"], "--hide-answers needs --expect or --gradcheck"),
])
def test_options_that_cannot_work_together_are_an_error(args, pair):
    result = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", *args)
    assert result.code == 2 and result.out == ""
    assert pair in result.err


def test_expect_still_works_with_the_formats_that_show_checks():
    for fmt in ("table", "json", "csv", "markdown"):
        result = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--expect", "value=-12",
                         "--format", fmt)
        assert result.code == 0, (fmt, result.err)


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "tree", "latex", "python"])
@pytest.mark.parametrize("program", [("(x+y)*z", "x=-2", "y=5", "z=-4"), ("sum(w*2)", "w=[1,2]")])
def test_gradcheck_with_a_view_format_is_refused(fmt, program):
    result = run_cli(*program, "--gradcheck", "--format", fmt)
    assert result.code == 2 and result.out == ""
    assert f"--gradcheck and --format {fmt} cannot be used together" in result.err


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_gradcheck_still_works_with_the_formats_that_show_checks(fmt):
    result = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--gradcheck", "--format", fmt)
    assert result.code == 0, (fmt, result.err)
    assert "good" in result.out


# ------------------------------------------------------------------ colour

def coloured(text: str) -> bool:
    return "\x1b[32m" in text or "\x1b[31m" in text


def test_color_never_and_always(cli):
    assert not coloured(cli("x*y", "x=2", "y=3", "--color", "never").out)
    assert coloured(cli("x*y", "x=2", "y=3", "--color", "always").out)


def test_no_color_turns_auto_off_even_where_colour_is_forced(cli, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")      # makes Rich treat the capture as a terminal
    assert coloured(cli("x*y", "x=2", "y=3").out)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not coloured(cli("x*y", "x=2", "y=3").out)
    # An explicit flag wins over the environment.
    assert coloured(cli("x*y", "x=2", "y=3", "--color", "always").out)


def test_color_always_even_on_a_dumb_terminal(cli, monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    assert coloured(cli("x*y", "x=2", "y=3", "--color", "always").out)


def test_json_never_has_colour(cli):
    run = cli("x*y", "x=2", "y=3", "--format", "json", "--color", "always")
    assert "\x1b" not in run.out and json.loads(run.out)


# ------------------------------------------------------------------ files, pipes and -o

def test_file(cli, tmp_path, staged):
    path = tmp_path / "staged.py"
    path.write_text(staged, encoding="utf-8")
    run = cli("-f", str(path), "--format", "json")
    assert run.status == 0
    assert json.loads(run.out)["value"] == pytest.approx(1.5456448841066441, rel=1e-12)


def test_file_with_bindings_overriding_defaults(cli, tmp_path, staged):
    path = tmp_path / "staged.py"
    path.write_text(staged, encoding="utf-8")
    data = json.loads(cli("--format", "json", "-f", str(path), "x=2", "y=1").out)
    assert [n["value"] for n in data["nodes"][:2]] == [2.0, 1.0]


def test_errors_name_the_file(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "staged.py").write_text("x = 3\ny = -4\n\n# forward pass\nq ± y\n", encoding="utf-8")
    run = cli("-f", "staged.py")
    assert run.status == 2
    assert "line 5, column 3 (staged.py:5:3)" in run.err
    assert caret_block(run.err) == ["    q ± y", "      ^"]
    data = json.loads(cli("-f", "staged.py", "--format", "json").out)
    assert (data["error"]["line"], data["error"]["column"]) == (5, 3)


def test_math_errors_name_the_file(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.py").write_text("x = 3\ny = -4\nz = sqrt(x + y)\n", encoding="utf-8")
    run = cli("-f", "bad.py")
    assert run.status == 3 and "(bad.py:3:5)" in run.err and "sqrt(-1) in z" in run.err


def test_file_from_stdin_dash(cli):
    run = cli("-f", "-", "y=1", "--format", "json", stdin="x = 3\ny = -4\nf = x*y\n")
    assert run.status == 0 and json.loads(run.out)["value"] == 3.0


def test_piped_stdin_is_the_program(cli, staged):
    run = cli("x=2", "--format", "json", stdin=staged)
    assert run.status == 0
    data = json.loads(run.out)
    assert data["nodes"][0]["name"] == "x" and data["nodes"][0]["value"] == 2.0
    run = cli("--format", "json", stdin=staged)
    assert json.loads(run.out)["value"] == pytest.approx(1.5456448841066441, rel=1e-12)


def test_piped_stdin_errors_name_stdin(cli):
    run = cli(stdin="x = 3\ny = x +\n")
    assert run.status == 2 and "(<stdin>:2:8)" in run.err


def test_an_expression_argument_wins_over_piped_stdin(cli):
    run = cli("x*2", "x=4", "--format", "json", stdin="this is not read")
    assert json.loads(run.out)["value"] == 8.0


def test_file_errors(cli, tmp_path):
    run = cli("-f", str(tmp_path))
    assert run.status == 2 and "is a directory" in run.err
    binary = tmp_path / "prog.bin"
    binary.write_bytes(b"x = \xff\xfe")
    run = cli("-f", str(binary))
    assert run.status == 2 and "is not UTF-8 text" in run.err


def test_file_with_crlf_and_bom(cli, tmp_path):
    path = tmp_path / "win.py"
    path.write_bytes("\ufeffx = 2\r\ny = x * 3\r\n".encode("utf-8"))
    data = json.loads(cli("-f", str(path), "--format", "json").out)
    assert data["value"] == 6.0


def test_out_file(cli, tmp_path):
    target = tmp_path / "result.json"
    run = cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "json", "-o", str(target))
    assert run.status == 0 and run.out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["value"] == -12.0
    table = tmp_path / "table.txt"
    run = cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--out", str(table), "--color", "always")
    assert run.out == "" and "f = -12" in table.read_text(encoding="utf-8")
    assert "\x1b" not in table.read_text(encoding="utf-8")


@pytest.mark.parametrize("out,format_", [("t.png", "table"), ("m.svg", "mermaid"),
                                         ("d.mmd", "dot"), ("x.json", "csv")])
def test_an_output_extension_the_format_would_not_write_is_refused(out, format_, tmp_path,
                                                                      capsys):
    assert main(["x*2", "x=1", "--format", format_, "-o", str(tmp_path / out)]) == 2
    assert "needs --format" in capsys.readouterr().err
    assert not (tmp_path / out).exists()


# ------------------------------------------------------------------ version and help

def test_version(cli):
    from importlib.metadata import version

    run = cli("--version")
    assert run.status == 0 and run.out == f"gradcli {version('gradcli')}\n"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_has_examples_and_conventions(cli, flag):
    run = cli(flag)
    assert run.status == 0 and run.err == ""
    out = run.out
    assert "Examples:" in out and "gradcli '(x+y)*z' x=-2 y=5 z=-4" in out
    assert "cat staged.py | gradcli x=2" in out
    assert "relu'(0) = 0, abs'(0) = 0" in out and "max(x, 0) at x = 0 sends 1 to x" in out
    assert out.count("Conventions where a derivative does not exist") == 1
    assert "Exit status: 0 ok" in out
    assert "\n  EXPR may be a whole program" in out      # dedented like the first paragraph
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_short_version(cli, flag):
    run = cli(flag)
    assert run.status == 0 and run.out.startswith("gradcli ")


def test_help_lists_the_commands_before_the_options(cli):
    out = cli("--help").out.splitlines()
    assert out[0] == "Usage: gradcli [OPTIONS] [EXPR] [NAME=VALUE]..."
    assert out[1] == "       gradcli COMMAND [ARGS]..."
    commands = out.index("Commands (gradcli COMMAND --help):")
    assert commands < 10 and commands < out.index("Options:")
    listed = [line.split()[0] for line in out[commands + 1:commands + 7]]
    assert listed == ["batch", "check", "diff", "graph", "key", "verify"]


@pytest.mark.parametrize("command", ["batch", "check", "key", "verify"])
def test_every_command_has_help(command):
    r = run_cli(command, "--help")
    assert r.code == 0 and f"gradcli {command}" in r.out
    assert command in run_cli("--help").out


# ------------------------------------------------------------------ environment

def test_environment_defaults(cli, monkeypatch):
    monkeypatch.setenv("GRADCLI_PRECISION", "2")
    assert "f = 0.33" in cli("1/x", "x=3").out
    monkeypatch.setenv("GRADCLI_FORMAT", "json")
    assert json.loads(cli("x*y", "x=2", "y=3").out)["value"] == 6.0
    # A command's own: GRADCLI_BATCH_FORMAT, never the one-liner's.
    run = cli("batch", "-", "x=2", stdin="x*3\n")
    assert run.status == 0 and run.out.startswith("  line")
    monkeypatch.setenv("GRADCLI_BATCH_FORMAT", "json")
    assert json.loads(cli("batch", "-", "x=2", stdin="x*3\n").out)["value"] == 6.0


def test_environment_never_names_the_files(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADCLI_OUT", str(tmp_path / "surprise.txt"))
    monkeypatch.setenv("GRADCLI_FILE", str(tmp_path / "missing.py"))
    run = cli("x*2", "x=1")
    assert run.status == 0 and "f = 2" in run.out and list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ completion

def _complete(words: list[str]) -> list[str]:
    env = dict(os.environ, _GRADCLI_COMPLETE="bash_complete", COMP_WORDS=" ".join(words),
               COMP_CWORD=str(len(words) - 1))
    done = subprocess.run([sys.executable, "-m", "gradcli"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_shell_completion():
    env = dict(os.environ, _GRADCLI_COMPLETE="bash_source")
    script = subprocess.run([sys.executable, "-m", "gradcli"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert script.returncode == 0 and "_gradcli_completion" in script.stdout
    assert {"batch", "check", "diff", "graph", "key", "verify"} <= set(_complete(["gradcli", ""]))
    assert "--format" in _complete(["gradcli", "--for"])
    assert {"json", "csv", "latex"} <= set(_complete(["gradcli", "--format", ""]))
    assert "--problems" in _complete(["gradcli", "check", "--pro"])


# ------------------------------------------------------------------ real processes

def test_python_dash_m_gradcli(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gradcli", "(x+y)*z", "x=-2", "y=5", "z=-4",
                           "--format", "json"], capture_output=True, text=True, cwd=tmp_path,
                          stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert proc.stderr == ""
