"""`gradcli check --problems`: grading a class against the TA's problem file, and check's errors."""

import json

import pytest

import gradcli
from _helpers import run_cli

PROBLEMS = """\
[[problem]]
id = "1a"
program = "(x+y)*z"
at = {x = -2, y = 5, z = -4}
marks = 3

[[problem]]
id = "1b"
program = "q = w*x + b; f = sigmoid(q)"
at = {w = 2, x = -1, b = -3}
ask = ["value", "d/dw"]
marks = 2
"""

HONEST = """\
[[problem]]
id = "1a"
program = "(x+y)*z"
at = {x = -2, y = 5, z = -4}
expect = {value = -12, "d/dx" = -4, "d/dy" = -4, "d/dz" = 3}

[[problem]]
id = "1b"
program = "q = w*x + b; f = sigmoid(q)"
at = {w = 2, x = -1, b = -3}
expect = {value = 0.0066928509, "d/dw" = -0.0066480567}
"""

# Changes the program so that their wrong answers would agree with it, and gives itself marks.
CHEAT = """\
[[problem]]
id = "1a"
program = "x+y"
at = {x = -2, y = 5}
expect = {value = 3, "d/dx" = 1, "d/dy" = 1, "d/dz" = 0}
marks = 100

[[problem]]
id = "2"
program = "x"
at = {x = 1}
expect = {value = 1}
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "problems.toml").write_text(PROBLEMS)
    (tmp_path / "honest.toml").write_text(HONEST)
    (tmp_path / "cheat.toml").write_text(CHEAT)
    return tmp_path


def test_an_honest_submission_gets_full_marks(files):
    [result] = gradcli.check(files / "honest.toml", problems=files / "problems.toml")
    assert result.passed and result.earned == result.possible == 5 and not result.notes


def test_the_problem_file_decides_programs_points_and_marks(files):
    [result] = gradcli.check(files / "cheat.toml", problems=files / "problems.toml")
    assert result.possible == 5 and result.earned == 0
    assert [(i.problem, i.item, i.message) for i in result.items] == [
        ("1a", "value", ""), ("1a", "d/dx", ""), ("1a", "d/dy", ""), ("1a", "d/dz", ""),
        ("1b", "value", "no answer"), ("1b", "d/dw", "no answer")]
    assert [i.got for i in result.items[:4]] == [-12, -4, -4, 3]
    notes = " | ".join(result.notes)
    assert "problem '2' is not in" in notes
    assert "problem '1a': its program is not" in notes and "problem '1a': its point" in notes
    assert "problem '1b' is missing" in notes


def test_the_command_reports_notes_and_exits_1(files):
    result = run_cli("check", "--problems", str(files / "problems.toml"),
                     str(files / "honest.toml"), str(files / "cheat.toml"), "--hide-answers")
    assert result.code == 1, result.err
    assert "honest.toml: 5/5 marks (100%)" in result.out
    assert "cheat.toml: 0/5 marks (0%), 0 of 6 items pass" in result.out
    assert "  note: problem '1a': its program is not" in result.out
    assert "got" not in result.out
    data = json.loads(run_cli("check", "--problems", str(files / "problems.toml"),
                              str(files / "cheat.toml"), "--format", "json").out)
    assert any("not in" in note for note in data["files"][0]["notes"])


def test_a_broken_problem_file_stops_everything_with_a_caret(files):
    (files / "bad.toml").write_text(PROBLEMS.replace('"(x+y)*z"', '"(x+y)*"'))
    result = run_cli("check", "--problems", str(files / "bad.toml"), str(files / "honest.toml"))
    assert result.code == 2 and result.out == ""
    assert "problem '1a': the expression ends too early" in result.err
    assert "    (x+y)*\n          ^" in result.err


def _check(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return run_cli("check", str(path))


def test_bad_toml_gets_a_caret(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = = "x"\n')
    assert result.code == 2 and "not graded" in result.out
    assert "a.toml is not valid TOML: invalid value\n  at line 3, column 11" in result.err
    assert "    program = = \"x\"\n              ^" in result.err


def test_a_duplicate_id_points_at_the_second_one(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = "x"\n'
                                         '[[problem]]\nid = "1"\nprogram = "y"\n')
    assert result.code == 2
    assert "problem '1' is defined twice" in result.err and "at line 5, column 1" in result.err


def test_a_file_that_is_not_utf8_or_missing(tmp_path):
    result = _check(tmp_path, "a.toml", b'[[problem]]\nid = "\xff"\n')
    assert result.code == 2 and "is not UTF-8 text (byte 18 cannot be decoded)" in result.err
    assert "codec" not in result.err
    result = run_cli("check", str(tmp_path / "missing.toml"))
    assert result.code == 2 and "no such file:" in result.err


def test_a_program_with_a_syntax_error_shows_its_caret(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = "x*"\nat = {x = 1}\n'
                                         'expect = {value = 1}\n')
    assert result.code == 2
    assert "problem '1': the expression ends too early" in result.err
    assert "    x*\n      ^" in result.err


def test_a_file_without_answers_says_so(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = "x"\nat = {x = 1}\n')
    assert result.code == 2 and "0/0" not in result.out
    assert "has no answers to grade" in result.err
