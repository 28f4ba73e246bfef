"""Grading (grading/problems, grade, key, toml) with `gradcli key` and `gradcli check`.

key fills in a problem file's answers; check grades answer files (marks, scores, the failing
items, the JSON report, --hide-answers, tolerances, a gradcheck item), also against the TA's
problem file (--problems), which decides the programs, points and marks; array answers are graded
entry by entry; a broken problem, or a schema, TOML or UTF-8 error, is named at its line with a
caret; and the TOML writer round-trips."""

import json
import math
import tomllib

import pytest
from _helpers import run, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcli
from gradcli.errors import InputError
from gradcli.grading.grade import grade
from gradcli.grading.key import make_key
from gradcli.grading.toml import dumps

# ------------------------------------------------------------------ key and check

KEY_PROBLEMS = '''\
[[problem]]
id = "1a"
program = "(x+y)*z"
at = {x = -2, y = 5, z = -4}
marks = 4

[[problem]]
id = "1b"
program = """
q = w0*x0 + w1*x1 + w2
f = 1/(1+exp(-q))
"""
at = {w0 = 2, w1 = -3, w2 = -3, x0 = -1, x1 = -2}
ask = ["value", "d/dw0", "d/dq"]
marks = 3
'''


@pytest.fixture
def key(tmp_path):
    problems = tmp_path / "problems.toml"
    problems.write_text(KEY_PROBLEMS)
    path = tmp_path / "key.toml"
    r = run_cli("key", str(problems), "-o", str(path))
    assert r.code == 0, r
    return path


def test_key_fills_in_expect(key):
    data = tomllib.loads(key.read_text())
    one, two = data["problem"]
    assert one["expect"] == {"value": -12.0, "d/dx": -4.0, "d/dy": -4.0, "d/dz": 3.0}
    assert list(two["expect"]) == ["value", "d/dw0", "d/dq"]
    assert two["expect"]["d/dq"] == pytest.approx(0.19661193324148185)
    assert two["ask"] == ["value", "d/dw0", "d/dq"]       # kept: a key of a key is the same
    assert two["program"] == "q = w0*x0 + w1*x1 + w2\nf = 1/(1+exp(-q))\n"


def test_a_correct_submission_scores_100_percent(key):
    r = run_cli("check", str(key))
    assert r.code == 0, r
    assert "7/7 marks (100%)" in r.out
    [result] = gradcli.check(key)
    assert result.score == 1.0 and result.passed


def _wrong(key, tmp_path, name="bob.toml"):
    text = key.read_text().replace('"d/dx" = -4.0', '"d/dx" = -3.0')
    text = text.replace("value = -12.0", "value = 12.0")
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_wrong_submission_scores_less_and_names_the_failing_items(key, tmp_path):
    bob = _wrong(key, tmp_path)
    [result] = gradcli.check(bob)
    assert result.score == pytest.approx(5 / 7)
    assert [(item.problem, item.item) for item in result.failed] == [("1a", "value"),
                                                                     ("1a", "d/dx")]
    r = run_cli("check", str(bob))
    assert r.code == 1
    assert "5/7 marks (71%)" in r.out
    assert "FAIL  1a  value  answered 12, correct -12, accepted [-12.001, -11.999]" in r.out


def test_many_files_and_the_json_report(key, tmp_path):
    bob = _wrong(key, tmp_path)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[problem]\n")
    r = run_cli("check", str(key), str(bob), str(broken), "--format", "json")
    assert r.code == 1          # a submission that cannot be read fails; the others are graded
    data = json.loads(r.out)
    assert data["passed"] is False
    files = {f["file"]: f for f in data["files"]}
    assert files[str(key)]["score"] == 1.0
    assert files[str(bob)]["earned"] == 5.0 and files[str(bob)]["possible"] == 7.0
    failing = [i["item"] for i in files[str(bob)]["items"] if not i["passed"]]
    assert failing == ["value", "d/dx"]
    assert "not valid TOML" in files[str(broken)]["error"]["message"]


def test_hidden_answers_in_check(tmp_path):
    path = tmp_path / "student.toml"
    path.write_text('[[problem]]\nprogram = "(x+y)*z*1.37"\nat = {x = -2, y = 5, z = -4}\n'
                    'expect = {value = -16, "d/dx" = -5.5}\n')
    for fmt in ("table", "json"):
        r = run_cli("check", str(path), "--hide-answers", "--format", fmt)
        assert r.code == 1
        assert "16.44" not in r.out and "5.48" not in r.out
        assert "d/dx" in r.out
    assert "16.44" in run_cli("check", str(path)).out


def test_tolerances_per_problem_and_on_the_command_line(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[[problem]]\nprogram = "x*1.001"\nat = {x = 1}\nexpect = {value = 1}\n'
                    "rtol = 0.01\n")
    assert grade(path.read_text(), "a").passed
    assert not grade(path.read_text(), "a", rtol=1e-6).passed


def test_a_broken_program_fails_its_items_and_the_file_goes_on(tmp_path):
    text = ('[[problem]]\nid = "p"\nprogram = "x*"\nexpect = {value = 1}\n\n'
            '[[problem]]\nid = "q"\nprogram = "x*2"\nat = {x = 1}\nexpect = {value = 2}\n')
    result = grade(text, "t")
    assert [(i.problem, i.passed) for i in result.items] == [("p", False), ("q", True)]
    assert result.status == 1
    assert "ends too early" in result.items[0].message


@pytest.mark.parametrize("text, message", [
    ("x = 1", "no problems"),
    ('[[problem]]\nid = "a"\n', "no program"),
    ('[[problem]]\nprogram = "x"\ncolour = 1\n', "unknown key"),
    ('[[problem]]\nid = "a"\nprogram = "x"\n[[problem]]\nid = "a"\nprogram = "x"\n', "twice"),
])
def test_schema_errors(text, message):
    result = grade(text, "s.toml")
    assert result.error is not None and message in result.error.message
    assert result.status == 1       # the student's file: reported on it, worth nothing


def test_gradcheck_in_check_files(tmp_path):
    text = ('[[problem]]\nprogram = "relu(x)*y"\nat = {x = 0, y = 2}\nexpect = {value = 0}\n'
            "gradcheck = true\n")
    result = grade(text, "g")
    assert [i.item for i in result.items] == ["value", "gradcheck"]
    assert result.passed       # a kink is not a wrong gradient


def test_key_errors():
    with pytest.raises(InputError, match="names no input"):
        make_key('[[problem]]\nprogram = "x"\nat = {x = 1}\nask = ["d/dy"]\n', "k")


# ------------------------------------------------------------------ --problems

CLASS_PROBLEMS = """\
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
    (tmp_path / "problems.toml").write_text(CLASS_PROBLEMS)
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
    assert [i.correct for i in result.items[:4]] == [-12, -4, -4, 3]
    assert [i.answer for i in result.items[:4]] == [3, 1, 1, 0]
    notes = " | ".join(result.notes)
    assert "problem '2' is not in" in notes
    assert "problem '1a': its program is not" in notes and "problem '1a': its point" in notes
    assert "problem '1b' is missing" in notes


def test_the_command_reports_notes_and_exits_1(files):
    result = run_cli("check", "--problems", str(files / "problems.toml"),
                     str(files / "honest.toml"), str(files / "cheat.toml"), "--hide-answers",
                     "--details")
    assert result.code == 1, result.err
    assert "honest.toml: 5/5 marks (100%)" in result.out
    assert "cheat.toml: 0/5 marks (0%), 0 of 6 items pass" in result.out
    assert "  note: problem '1a': its program is not" in result.out
    assert "correct" not in result.out and "accepted" not in result.out
    assert "FAIL  1a  value  answered 3\n" in result.out
    data = json.loads(run_cli("check", "--problems", str(files / "problems.toml"),
                              str(files / "cheat.toml"), "--format", "json").out)
    assert any("not in" in note for note in data["files"][0]["notes"])


def test_a_broken_problem_file_stops_everything_with_a_caret(files):
    (files / "bad.toml").write_text(CLASS_PROBLEMS.replace('"(x+y)*z"', '"(x+y)*"'))
    result = run_cli("check", "--problems", str(files / "bad.toml"), str(files / "honest.toml"))
    assert result.code == 2 and result.out == ""
    assert "problem '1a': the expression ends too early" in result.err
    assert "    (x+y)*\n          ^" in result.err


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
    assert result.code == 1
    assert "problem '1a' has no program" in result.err and "--problems" in result.err


# ------------------------------------------------------------------ array answers

def test_key_writes_toml_arrays_that_check_reads_back(capsys, array_folder):
    status, out, _ = run(["key", "problems.toml"], capsys)
    assert status == 0
    problems = tomllib.loads(out)["problem"]
    assert problems[0]["expect"] == {"value": 11.0, "d/dw": [3.0, 4.0], "d/dx": [1.0, 2.0]}
    assert problems[1]["expect"]["d/dw"] == pytest.approx([-0.19661, -0.39322, 0.19661],
                                                          abs=1e-5)
    assert len(problems[2]["expect"]["d/dW"]) == 2
    (array_folder / "key.toml").write_text(out)
    status, out, _ = run(["check", "key.toml"], capsys)
    assert status == 0 and "8 of 8 items pass" in out


def test_check_grades_array_answers_entry_by_entry(capsys, array_folder):
    status, out, _ = run(["check", "answers.toml", "--format", "json"], capsys)
    assert status == 1
    items = json.loads(out)["files"][0]["items"]
    assert [item["passed"] for item in items] == [True, True, False]
    assert items[2]["answer"] == [1.0, 2.5] and items[2]["correct"] == [1.0, 2.0]


def test_check_file_rejects_arrays_of_non_numbers(capsys, array_folder):
    (array_folder / "bad.toml").write_text('[[problem]]\nprogram = "sum(w)"\n'
                                           'at = {w = [1, "a"]}\n')
    status, out, err = run(["check", "bad.toml"], capsys)
    assert status == 1
    assert "at.w must be a number or an array of numbers" in err


# ------------------------------------------------------------------ errors at their line

def _check(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return run_cli("check", str(path))


def test_bad_toml_gets_a_caret(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = = "x"\n')
    assert result.code == 1 and "not read" in result.out
    assert "a.toml is not valid TOML: invalid value\n  at line 3, column 11" in result.err
    assert "    program = = \"x\"\n              ^" in result.err


def test_a_duplicate_id_points_at_the_second_one(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = "x"\n'
                                         '[[problem]]\nid = "1"\nprogram = "y"\n')
    assert result.code == 1
    assert "problem '1' is defined twice" in result.err and "at line 5, column 1" in result.err


def test_a_file_that_is_not_utf8_or_missing(tmp_path):
    result = _check(tmp_path, "a.toml", b'[[problem]]\nid = "\xff"\n')
    assert result.code == 1 and "is not UTF-8 text (byte 18 cannot be decoded)" in result.err
    assert "codec" not in result.err
    result = run_cli("check", str(tmp_path / "missing.toml"))
    assert result.code == 2 and "no such file:" in result.err


def test_a_program_with_a_syntax_error_shows_its_caret(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = "x*"\nat = {x = 1}\n'
                                         'expect = {value = 1}\n')
    assert result.code == 1
    assert "problem '1': the expression ends too early" in result.err
    assert "    x*\n      ^" in result.err


def test_a_file_without_answers_says_so(tmp_path):
    result = _check(tmp_path, "a.toml", '[[problem]]\nid = "1"\nprogram = "x"\nat = {x = 1}\n')
    assert result.code == 1
    assert "has no answers to grade" in result.err


RAGGED = '[[problem]]\nid = "r"\nprogram = "sum(w)"\nat = {w = [1, 2]}\nexpect = {value = [2, [3]]}\n'


def test_a_ragged_answer_fails_its_item(tmp_path):
    result = run_cli("check", _write(tmp_path, "r.toml", RAGGED))
    assert result.code == 1 and "0/1 marks" in result.out
    assert "FAIL  r   value  (the answer is not a rectangular array" in result.out
    key = _write(tmp_path, "k.toml", RAGGED.replace("[2, [3]]", "3"))
    result = run_cli("check", "--problems", key, _write(tmp_path, "r2.toml", RAGGED))
    assert result.code == 1 and "not a rectangular array" in result.out


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
    assert result.code == 1
    assert f"problem '1a': {message}" in result.err
    assert "at line 7, column 1" in result.err and f"    {line}\n    ^" in result.err


def test_a_bad_default_points_at_its_line(tmp_path):
    result = run_cli("check", _write(tmp_path, "t.toml", BASE.format("").replace("1e-3", "-1")))
    assert result.code == 1
    assert "t.toml: rtol must be a number >= 0, not -1" in result.err
    assert "at line 1, column 1" in result.err


# ------------------------------------------------------------------ the TOML writer

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)


scalars = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
                    st.booleans(), st.integers(-2**63, 2**63 - 1),
                    st.floats(allow_nan=False))


values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(keys, scalars, max_size=3))


problems = st.lists(st.dictionaries(keys, values, max_size=5), max_size=3)


@settings(deadline=None, max_examples=100)
@given(st.dictionaries(keys.filter(lambda k: k != "problem"), scalars, max_size=3), problems)
def test_toml_writer_round_trips(top, problem_list):
    data = {**top, "problem": problem_list} if problem_list else dict(top)
    assert tomllib.loads(dumps(data)) == data


def test_toml_writer_special_floats_and_strings():
    data = {"problem": [{"id": 'a "quoted"\\ \n\t\x01 name', "expect": {"d/dx": math.inf,
                                                                       "value": -0.0}}]}
    back = tomllib.loads(dumps(data))
    assert back == data
    assert math.isnan(tomllib.loads(dumps({"problem": [{"v": math.nan}]}))["problem"][0]["v"])


# ------------------------------------------------------------------ answers as students write them

ONE = '[[problem]]\nid = "1"\nprogram = "q = x*y; f = q + x"\nat = {x = 3, y = -2}\n'


@pytest.mark.parametrize("key", ["d/dx", "dx", "df/dx", "dfdx", "grad_x", "∂f/∂x", " dx "])
def test_every_spelling_of_a_gradient_is_the_same_item(key):
    result = grade(ONE + f'expect = {{value = -3, "{key}" = -1, dq = 1}}\n', "a.toml")
    assert [(i.item, i.passed) for i in result.items] == [("value", True), ("d/dx", True),
                                                          ("d/dq", True)]
    assert result.notes == []


def test_the_outputs_name_is_its_value_and_unknown_keys_are_notes():
    result = grade(ONE + 'expect = {f = -3, "d/dX" = -1, dz = 2, dx = -1, "d/dx" = 5}\n', "a")
    assert [(i.item, i.passed) for i in result.items] == [("value", True), ("d/dx", True)]
    notes = " | ".join(result.notes)
    assert "the answer 'd/dX' is not an item of this problem (its items: value, d/dx, d/dy, " \
        "d/dq): not graded" in notes and "'dz' is not an item" in notes
    assert "'dx' and 'd/dx' both answer d/dx: the first is graded" in notes


@pytest.mark.parametrize("answer, passed, shown", [
    ('"-1/3"', True, "answered -1/3"),
    ('"-2/6 + 0"', True, "answered -2/6 + 0"),
    ('"1/(3 - 6)"', True, "answered 1/(3 - 6)"),
    ('"-0.333"', False, "answered -0.333, correct -0.333333, accepted [-0.33336, -0.3333]\n"),
    ('"minus a third"', False, "answered minus a third (cannot read 'minus a third'"),
    ('""', False, "(no answer)"),
    ("true", False, "(true is not a number)"),
    ("[1, 2]", False, "the shapes differ"),
])
def test_answers_may_be_fractions_and_constant_expressions(tmp_path, answer, passed, shown):
    path = tmp_path / "a.toml"
    path.write_text('[[problem]]\nid = "1"\nprogram = "x/y"\nat = {x = 1, y = -3}\n'
                    f"expect = {{value = {answer}}}\n")
    [result] = gradcli.check(path)
    assert result.items[0].passed is passed
    r = run_cli("check", str(path))
    assert r.code == (0 if passed else 1) and shown in r.out, r.out


def test_sigfigs_accepts_rounded_answers_and_the_default_gives_a_hint(tmp_path):
    text = ('[[problem]]\nid = "1b"\nprogram = "sigmoid(x)"\nat = {x = -5}\n'
            "expect = {value = 0.00669}\n")
    result = grade(text, "a")
    [item] = result.items
    assert not item.passed
    assert item.hint == ("looks rounded to 3 significant figures: give 4 or more, or the "
                         "problem may set sigfigs = 3")
    r = run_cli("check", _write(tmp_path, "a.toml", text))
    assert "FAIL  1b  value  answered 0.00669, correct 0.00669285, accepted [0.0066922, " \
           "0.0066935] (looks rounded to 3 significant figures" in r.out
    assert grade(text + "sigfigs = 3\n", "a").passed
    assert not grade(text.replace("0.00669", "0.0067") + "sigfigs = 3\n", "a").passed
    assert grade(text.replace("0.00669", "0.0067") + "sigfigs = 2\n", "a").passed
    assert grade("sigfigs = 3\n" + text, "a").passed        # a default for every problem
    assert grade(text.replace("0.00669", "0.0066928"), "a").items[0].hint == ""
    hidden = run_cli("check", _write(tmp_path, "b.toml", text), "--hide-answers").out
    assert "accepted" not in hidden and "correct" not in hidden and "answered 0.00669" in hidden


@pytest.mark.parametrize("value", ["0", "18", "2.5", "true"])
def test_sigfigs_must_be_a_whole_number_of_figures(value):
    result = grade(ONE + f"expect = {{value = -3}}\nsigfigs = {value}\n", "a")
    assert result.error is not None and "sigfigs must be a whole number from 1 to 17" in \
        result.error.message


def test_bom_and_crlf_are_fine_in_every_toml_file(tmp_path, key):
    crlf = b"\xef\xbb\xbf" + key.read_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "crlf.toml"
    path.write_bytes(crlf)
    assert run_cli("check", str(path)).code == 0
    assert run_cli("check", "--problems", str(path), str(path)).code == 0
    r = run_cli("key", str(path), "-o", str(tmp_path / "again.toml"))
    assert r.code == 0 and (tmp_path / "again.toml").read_bytes() == crlf


COMMENTED = '''\
# Week 3 -- the TA's notes stay where they are
rtol = 1e-3   # generous this week

[[problem]]
id = "1a"     # the note's first circuit
program = "(x+y)*z"
at = {x = -2, y = 5, z = -4}
ask = ["value", "d/dx"]
marks = 3

[[problem]]
id = "1b"
program = """
q = w*x + b
f = sigmoid(q)
"""
at = {w = 2, x = -1, b = -3}
expect = {value = 1, "d/dw" = 0}   # filled in by gradcli key
'''


def test_key_keeps_ask_comments_and_layout_and_is_idempotent(tmp_path):
    once = make_key(COMMENTED, "p.toml")
    assert once.startswith(COMMENTED.split("[[problem]]")[0])
    assert 'id = "1a"     # the note\'s first circuit' in once
    assert 'ask = ["value", "d/dx"]\nmarks = 3\nexpect = {value = -12.0, "d/dx" = -4.0}' in once
    assert 'expect = {value = 0.0066928509242848554, "d/dw" = -0.0066480566707901555}   # ' \
           "filled in by gradcli key" in once or "0.006692850924284856" in once
    assert make_key(once, "k.toml") == once
    (tmp_path / "k.toml").write_text(once)
    r = run_cli("key", str(tmp_path / "k.toml"))
    assert r.code == 0 and r.out == once
    # Graded against the key, the items are those asked.
    data = tomllib.loads(once)
    assert list(data["problem"][1]["expect"]) == ["value", "d/dw"]


def test_key_of_a_gen_key_is_the_same_file(tmp_path):
    from gradcli.grading.variants import Student, generate, key_file

    data, variants = generate(KEY_PROBLEMS, "p.toml", [Student("ann")], 1)
    text = key_file(data, Student("ann"), variants["ann"], 1)
    assert make_key(text, "ann.toml") == text


# ------------------------------------------------------------------ the gradebook and formats

def test_the_gradebook_has_one_line_per_file_and_a_class_line(files):
    r = run_cli("check", "--problems", str(files / "problems.toml"), str(files / "honest.toml"),
                str(files / "cheat.toml"))
    lines = r.out.splitlines()
    assert lines[0].split() == ["file", "student", "marks", "score", "result"]
    assert lines[1].split()[1:] == ["honest", "5/5", "100%", "PASS"]
    assert "cheat" in lines[2] and lines[2].endswith("FAIL 1a value, 1a d/dx, 1a d/dy, 1a d/dz, "
                                                     "+2 more")
    assert lines[3] == "class: 2 files, 1 pass every item; mean 50%, median 50%"
    md = run_cli("check", "--problems", str(files / "problems.toml"), str(files / "honest.toml"),
                 str(files / "cheat.toml"), "--format", "markdown").out
    assert md.splitlines()[0] == "| file | student | earned | possible | percent | failed | " \
                                 "error | diagnosis |"
    assert "| honest | 5 | 5 | 100 |  |  |" in md


def test_check_takes_a_folder_and_skips_the_problem_file_in_it(files):
    r = run_cli("check", "--problems", str(files / "problems.toml"), str(files), "--format",
                "csv")
    students = [line.split(",")[1] for line in r.out.splitlines()[1:]]
    assert students == ["cheat", "honest"]


@pytest.mark.parametrize("out, given, expected", [
    ("grades.csv", None, "csv"), ("grades.json", None, "json"), ("grades.md", None, "markdown"),
    ("results.json", "gradescope", "gradescope"), ("grades.txt", None, "table"),
    (None, None, "table"), ("-", "json", "json"),
])
def test_the_format_follows_the_extension(out, given, expected):
    from gradcli.cli.options import format_for

    assert format_for(out, given, ("table", "json", "csv", "markdown", "gradescope"),
                      "table") == expected


@pytest.mark.parametrize("argv, message", [
    (["check", "a.toml", "--format", "csv", "-o", "g.json"], "a .json file needs --format json"),
    (["check", "a.toml", "-o", "g.svg"], "holds dot, which gradcli check does not write"),
    (["verify", "a.py", "-o", "v.tex"], "holds latex, which gradcli verify does not write"),
    (["x", "x=1", "--format", "csv", "-o", "n.md"], "a .md file needs --format markdown"),
    (["diff", "x*x", "-o", "d.csv"], "holds csv, which gradcli diff does not write"),
    (["batch", "-", "-o", "r.md"], "holds markdown, which gradcli batch does not write"),
])
def test_a_mismatched_extension_is_refused_by_every_command(argv, message):
    r = run_cli(*argv, stdin="x\n")
    assert r.code == 2 and message in r.err, r.err


def test_the_one_liner_and_batch_write_what_the_extension_names(tmp_path):
    assert run_cli("x*2", "x=3", "-o", str(tmp_path / "r.json")).code == 0
    assert json.loads((tmp_path / "r.json").read_text())["value"] == 6.0
    assert run_cli("batch", "-", "-o", str(tmp_path / "r.csv"), stdin="x*2\n", ).code == 2 \
        or (tmp_path / "r.csv").read_text().startswith("line,")
    assert run_cli("diff", "x*x", "-o", str(tmp_path / "d.tex")).code == 0
    assert "\\" in (tmp_path / "d.tex").read_text() or "x" in (tmp_path / "d.tex").read_text()


answers = st.dictionaries(
    st.one_of(st.sampled_from(["value", "f", "dx", "d/dx", "df/dy", "grad_z", "dq", "d/dX"]),
              keys),
    st.one_of(scalars, st.floats(), st.lists(st.one_of(scalars, st.lists(scalars, max_size=2)),
                                             max_size=3),
              st.dictionaries(keys, scalars, max_size=2)),
    max_size=6)


@settings(deadline=None, max_examples=150)
@given(st.lists(st.tuples(st.sampled_from(["1a", "1b", "2", "1a"]), answers), max_size=3),
       st.one_of(st.none(), scalars))
def test_no_submission_crashes_the_grading(problem_answers, student):
    from gradcli.grading.grade import load_problems

    key = load_problems(CLASS_PROBLEMS, "problems.toml")
    data = {"problem": [{"id": pid, "expect": expect} for pid, expect in problem_answers]}
    if student is not None:
        data["student"] = student
    result = grade(dumps(data), "s.toml", problems=key)
    assert result.status in (0, 1)
    assert result.possible == 5
    assert (result.error is None) == (len(result.items) == 6)
    json.dumps(result.to_json())
    from gradcli.render.checks import files_csv, files_text, gradescope_json

    files_text([result, result], False).plain
    files_csv([result])
    json.loads(gradescope_json(result, True))
