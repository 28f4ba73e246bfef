"""check files: array points with --problems, answers-only submissions, schema errors with carets."""

import pytest

import gradcli
from _helpers import run_cli

ARRAY_KEY = """\
[[problem]]
id = "1a"
program = "sum(w*x)"
at = {w = [1, 2], x = [3, 4]}
ask = ["value", "d/dw"]
marks = 2
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_problems_with_array_points_are_graded(tmp_path):
    key = _write(tmp_path, "key.toml", ARRAY_KEY)
    answers = _write(tmp_path, "a.toml", ARRAY_KEY + 'expect = {value = 11, "d/dw" = [3, 4]}\n')
    result = run_cli("check", "--problems", key, answers)
    assert result.code == 0, result.out + result.err
    assert "2/2 marks" in result.out and "note" not in result.out
    # The same file as its own key, and a changed array point is noted, not a crash.
    assert run_cli("check", "--problems", answers, answers).code == 0
    moved = _write(tmp_path, "b.toml", ARRAY_KEY.replace("w = [1, 2]", "w = [1, 5]")
                   + 'expect = {value = 11, "d/dw" = [3, 4]}\n')
    result = run_cli("check", "--problems", key, moved)
    assert result.code == 0 and "its point `at` is not" in result.out


def test_a_submission_gives_only_ids_and_answers(tmp_path):
    key = _write(tmp_path, "key.toml", ARRAY_KEY)
    only = _write(tmp_path, "s.toml", '[[problem]]\nid = "1a"\nexpect = {value = 11, '
                                      '"d/dw" = [3, 5]}\n')
    result = run_cli("check", "--problems", key, only)
    assert result.code == 1, result.out + result.err
    assert "1/2 marks" in result.out and "note" not in result.out
    assert "PASS  1a  value" in result.out and "FAIL  1a  d/dw" in result.out
    results = gradcli.check(only, problems=key)
    assert [item.passed for item in results[0].items] == [True, False]
    # Without a problem file a program is still needed, and the error says how to do without.
    result = run_cli("check", only)
    assert result.code == 2
    assert "problem '1a' has no program" in result.err and "--problems" in result.err


RAGGED = '[[problem]]\nid = "r"\nprogram = "sum(w)"\nat = {w = [1, 2]}\nexpect = {value = [2, [3]]}\n'


def test_a_ragged_answer_is_an_input_error_with_a_caret(tmp_path):
    result = run_cli("check", _write(tmp_path, "r.toml", RAGGED))
    assert result.code == 2 and "not graded" in result.out
    assert "expect.value is not a rectangular array" in result.err
    assert "at line 5, column 11" in result.err
    assert "    expect = {value = [2, [3]]}\n              ^" in result.err
    key = _write(tmp_path, "k.toml", RAGGED.replace("[2, [3]]", "3"))
    result = run_cli("check", "--problems", key, _write(tmp_path, "r2.toml", RAGGED))
    assert result.code == 2 and "not a rectangular array" in result.err


BASE = 'rtol = 1e-3\n\n[[problem]]\nid = "1a"\nprogram = "x*y"\nat.x = 1\n{}\nexpect = {{value = 2}}\n'


@pytest.mark.parametrize("line, message", [
    ('at.y = "2"', "at.y must be a number or an array of numbers, not '2'"),
    ("at.y = nan", "at.y must be a finite number, not nan"),
    ('rtol = "big"', "rtol must be a number >= 0, not 'big'"),
    ("marks = -3", "marks must be a number >= 0, not -3"),
    ('gradcheck = "yes"', "gradcheck must be true or false, not 'yes'"),
])
def test_schema_errors_point_at_their_line(tmp_path, line, message):
    result = run_cli("check", _write(tmp_path, "t.toml", BASE.format(line)))
    assert result.code == 2
    assert f"problem '1a': {message}" in result.err
    assert f"at line 7, column 1" in result.err and f"    {line}\n    ^" in result.err


def test_a_bad_default_points_at_its_line(tmp_path):
    result = run_cli("check", _write(tmp_path, "t.toml", BASE.format("").replace("1e-3", "-1")))
    assert result.code == 2
    assert "t.toml: rtol must be a number >= 0, not -1" in result.err
    assert "at line 1, column 1" in result.err
