"""Hostile input on the command line: words that look like options, text far too long or too
deep, faults in the program and in its bindings together, numbers in other scripts. Each is
refused in one bounded paragraph (or run as the expression it is), never a file write, a
traceback or exit 70."""

from __future__ import annotations

import json

import pytest

from gradcli.cli.commands import COMMANDS
from gradcli.errors import ERROR_BYTES
from gradcli.lang.syntax import MAX_DEPTH

# Every command by the words that start it: the one-liner (no word) and each registered one.
COMMAND_WORDS = [()] + [(name,) for name in sorted(COMMANDS)]
HOSTILE_WORDS = ["-cos(x)", "-o", "--x", "-np.tanh(x)", "-x*y", "-"]


@pytest.mark.parametrize("command", COMMAND_WORDS, ids=lambda c: c[0] if c else "one-liner")
@pytest.mark.parametrize("word", HOSTILE_WORDS)
@pytest.mark.parametrize("rest", [(), ("x=1",), ("x=1", "y=2")], ids=["alone", "x", "xy"])
def test_a_hostile_first_word_never_writes_a_file(cli, tmp_path, monkeypatch, command, word,
                                                  rest):
    if word == "-o" and rest:
        rest = rest[1:]     # `-o x=1` asks for a file named x=1: that is no hostile word
    monkeypatch.chdir(tmp_path)
    run = cli(*command, word, *rest)
    assert run.status in (0, 1, 2, 4), run
    assert "Traceback" not in run.err and "internal error" not in run.err
    assert list(tmp_path.iterdir()) == [], f"{command} {word} {rest} wrote a file"


@pytest.mark.parametrize("command", COMMAND_WORDS, ids=lambda c: c[0] if c else "one-liner")
def test_an_unknown_long_option_is_an_error_for_every_command(cli, tmp_path, monkeypatch,
                                                              command):
    monkeypatch.chdir(tmp_path)
    run = cli(*command, "--x", "x=1")
    assert run.status == 2 and "'--x'" in run.err and run.out == ""


# ------------------------------------------------------------------ bounded error text

def test_a_ten_mebibyte_identifier_gives_a_bounded_error(cli, tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("a" * (10 << 20))
    for argv in ([], ["y=2"], ["--format", "json"]):
        run = cli("-f", str(path), *argv)
        assert run.status == 2
        assert len(run.err.encode()) <= ERROR_BYTES and "…" in run.err
        assert len(run.out.encode()) <= ERROR_BYTES


@pytest.mark.parametrize("text", [
    "a" * 100_000,                         # a name with no value
    "a" * 100_000 + " +",                  # a syntax error after it
    "x +" + " x" * 50_000,                 # a long line of many words
    "x" * 100_000 + "(x)",                 # an unknown function
    "np." + "q" * 100_000,                 # an unknown constant
    "x." + "q" * 100_000 + "()",           # an unknown method
])
def test_a_long_word_gives_a_bounded_error(cli, text):
    run = cli(text, "b" * 100_000 + "=1")
    assert run.status == 2 and len(run.err.encode()) <= ERROR_BYTES, len(run.err)


@pytest.mark.parametrize("argv", [
    ["x", "x=" + "1" * 100_000 + "q"],     # a value
    ["x", "q" * 100_000 + "=1"],           # a binding's name
    ["--" + "q" * 100_000],                # an option
    ["-f", "/nonexistent/" + "q" * 100_000],    # a file name
    ["x", "x=1", "--wrt", "q" * 100_000],
    ["x", "x=1", "--output", "q" * 100_000],
    ["x", "x=1", "--expect", "d/d" + "q" * 100_000 + "=1"],
    ["x", "x=1", "--at-file", "q" * 100_000 + ".csv"],
    ["x", "x=1", "--format", "json", "-o", "q" * 100_000 + ".svg"],
    ["graph", "x", "-o", "q" * 100_000],
    ["x", "x=1", "--why", "--small", "q" * 100_000],
    ["check", "q" * 100_000 + ".toml"],
    ["check", "a.toml", "--report", "q" * 100_000 + ".txt"],
    ["verify", "q" * 100_000 + ".py"],
])
def test_every_user_text_in_a_message_is_bounded(cli, argv):
    run = cli(*argv)
    assert run.status == 2, run.err[:300]
    assert len(run.err.encode()) <= ERROR_BYTES, len(run.err)


def test_a_message_keeps_its_advice_when_it_quotes_a_long_name(cli):
    run = cli("a" * 100_000)
    assert "give it on the command line" in run.err and "a…a" in run.err


# ------------------------------------------------------------------ deep and unbalanced text

def test_a_mebibyte_of_open_brackets_is_refused_at_the_bracket_too_deep(cli, tmp_path):
    path = tmp_path / "deep.txt"
    path.write_text("(" * (1 << 20))
    run = cli("-f", str(path))
    assert run.status == 2
    assert f"nested more than {MAX_DEPTH:,} deep" in run.err
    assert f"column {MAX_DEPTH + 1}" in run.err and "^" in run.err


def test_brackets_as_deep_as_the_limit_still_parse(cli):
    depth = MAX_DEPTH
    run = cli("--format", "json", "(" * depth + "x" + ")" * depth, "x=2")
    assert run.status == 0 and json.loads(run.out)["value"] == 2.0


def test_a_closer_with_nothing_open_is_refused_at_it(cli):
    run = cli("x" + " + x" * 1000 + ")" + "(" * 5000, "x=1")
    assert run.status == 2 and "unmatched ')'" in run.err
    assert "column 4002" in run.err


def test_an_earlier_fault_comes_before_an_unmatched_closer(cli):
    run = cli("x $ y )", "x=1")
    assert "unexpected character '$'" in run.err


def test_brackets_in_a_comment_are_not_counted(cli):
    run = cli("f = x * 2  # (((", "x=1", "--format", "json")
    assert run.status == 0


# ------------------------------------------------------------------ the program's faults first

@pytest.mark.parametrize("program, bindings, column, words", [
    ("x . y", ["y=5"], 5, "no attribute .y"),
    ("x . y", [], 5, "no attribute .y"),
    ("x.sum() + x.foo()", ["y=1"], 13, "no method .foo()"),
    ("np.q * x", ["y=1"], 4, "np.q is not a constant"),
    ("x +", ["y=1"], 4, "operand is missing"),
    ("sin(x) + bogus(x)", ["y=1"], 10, "unknown function 'bogus'"),
])
def test_the_programs_own_error_comes_before_a_bindings(cli, program, bindings, column, words):
    run = cli(program, *bindings)
    assert run.status == 2 and words in run.err, run.err
    assert f"column {column}" in run.err


# ------------------------------------------------------------------ values are ASCII

@pytest.mark.parametrize("value, shown", [("١٢", "ARABIC-INDIC DIGIT ONE"),
                                          ("１２", "FULLWIDTH DIGIT ONE"),
                                          ("1e١", "ARABIC-INDIC DIGIT ONE"),
                                          ("१", "DEVANAGARI DIGIT ONE")])
def test_a_binding_in_other_digits_is_refused(cli, value, shown):
    run = cli("x*2", f"x={value}")
    assert run.status == 2 and shown in run.err and "values are ASCII" in run.err
    assert "use '1'" in run.err


@pytest.mark.parametrize("program", ["x*١٢", "x*１２"])
def test_a_program_in_other_digits_is_refused(cli, program):
    run = cli(program, "x=1")
    assert run.status == 2 and "non-ASCII character" in run.err and "use '1'" in run.err


def test_points_and_array_files_in_other_digits_are_refused(cli, tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x\n١٢\n3\n", encoding="utf-8")
    run = cli("x*2", "--at-file", str(points), "--format", "json")
    records = [json.loads(line) for line in run.out.splitlines()]
    assert "error" in records[0] and "values are ASCII" in records[0]["error"]["message"]
    assert records[1]["value"] == 6.0
    array = tmp_path / "a.csv"
    array.write_text("1,２\n", encoding="utf-8")
    run = cli("sum(a)", f"a=@{array}")
    assert run.status == 2 and "every cell must be a number" in run.err
