"""A real class, end to end: `gradcli gen` makes 33 students' variants, the students hand in
every kind of answer (right, rounded, fractions, a wrong sign, a missing item, an unknown key,
the `dx` spelling, BOM + CRLF, invalid TOML, an empty file, a string where a number goes), and
one `gradcli check` grades them all: every readable file graded, each odd file reported on its
own line, exit 1, and the gradebook's CSV, JSON and Gradescope results.json checked field by
field (Gradescope against its documented autograder results format)."""

import csv
import io
import json
import math
import tomllib
from fractions import Fraction

import pytest
from _helpers import run_cli

from gradcli.grading.toml import dumps

PROBLEMS = """\
# Week 3: backprop by hand
marks = 2

[[problem]]
id = "1a"
program = "q = x + y; f = q * z + x"
at = {x = {min = -5, max = 5}, y = [2, -3, 0.5], z = {min = -4, max = 4}}
fork = true
nice = true

[[problem]]
id = "1b"
program = "sigmoid(w*x + b)"
at = {w = {min = -3, max = 3, step = 0.5}, x = {min = -2, max = 2}, b = [-1, 0, 1]}
ask = ["value", "d/dw", "d/db"]
sigfigs = 3

[[problem]]
id = "1c"
program = "h = relu(a*b - c); f = h * a"
at = {a = {min = -4, max = 4}, b = {min = -3, max = 3}, c = [1, 2, 3]}
no_kinks = true
nice = true
marks = 3
"""

KINDS = ("right", "rounded", "fraction", "wrong_sign", "missing", "unknown_key", "dx",
         "bom_crlf", "invalid_toml", "empty", "string")
UNREADABLE = ("invalid_toml", "empty")
STUDENTS = [f"s{i:02d}" for i in range(33)]


def kind_of(student: str) -> str:
    return KINDS[int(student[1:]) % len(KINDS)]


def _spell(item: str, kind: str) -> str:
    return "d" + item[3:] if kind == "dx" and item != "value" else item


def _rounded(x: float, figures: int = 3) -> float:
    return float(f"{x:.{figures - 1}e}")


def submission(key: dict, kind: str) -> bytes:
    """What a student of this kind hands in, made from their own key."""
    if kind == "invalid_toml":
        return b'student = "x"\n[[problem]\nid = "1a"\n'
    if kind == "empty":
        return b""
    problems = []
    for problem in key["problem"]:
        answers = {}
        for item, correct in problem["expect"].items():
            answer: object = correct
            if kind == "rounded":
                answer = _rounded(correct)
            elif kind == "fraction":
                answer = str(Fraction(correct).limit_denominator(1000))
            answers[_spell(item, kind)] = answer
        if problem["id"] == "1a":
            if kind == "wrong_sign":
                answers["d/dz"] = -answers["d/dz"] if answers["d/dz"] else 1.0
            elif kind == "missing":
                del answers["d/dy"]
            elif kind == "unknown_key":
                answers["d/dY"] = answers.pop("d/dy")
            elif kind == "string":
                answers["value"] = "minus four"
        problems.append({"id": problem["id"], "expect": answers})
    text = dumps({"student": key["student"], "problem": problems})
    if kind == "bom_crlf":
        return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    return text.encode()


def passes(answer: float, correct: float, problem: dict) -> bool:
    """The documented pass rule, written out again here."""
    tol = max(1e-8, 1e-4 * abs(correct))
    if problem.get("sigfigs") and correct:
        figures = problem["sigfigs"]
        tol = max(tol, 0.5 * 10 ** (math.floor(math.log10(abs(correct))) - figures + 1))
    return abs(answer - correct) <= tol * (1 + 1e-9)


def expected_grade(key: dict, kind: str) -> tuple[float, float, list[str]]:
    """(earned, possible, failed items) by the pass rule, independently of gradcli's grading."""
    earned, possible, failed = 0.0, 0.0, []
    for problem in key["problem"]:
        marks = problem.get("marks", key.get("marks", 1))
        possible += marks
        share = marks / len(problem["expect"])
        for item, correct in problem["expect"].items():
            if kind in UNREADABLE:
                continue
            ok = True
            if kind == "rounded":
                ok = passes(_rounded(correct), correct, problem)
            elif kind == "fraction":
                ok = passes(float(Fraction(correct).limit_denominator(1000)), correct, problem)
            if problem["id"] == "1a":
                if kind == "wrong_sign" and item == "d/dz":
                    ok = passes(-correct if correct else 1.0, correct, problem)
                if kind in ("missing", "unknown_key") and item == "d/dy":
                    ok = False
                if kind == "string" and item == "value":
                    ok = False
            if ok:
                earned += share
            else:
                failed.append(f"{problem['id']} {item}")
    return earned, possible, failed


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """The class: gen's folders, each student's submission, and their keys."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "problems.toml").write_text(PROBLEMS)
    (folder / "students.csv").write_text("id,name\n" + "".join(f"{s},Student {s}\n"
                                                               for s in reversed(STUDENTS)))
    result = run_cli("gen", str(folder / "problems.toml"), "--roster",
                     str(folder / "students.csv"), "--seed", "2026", "-o", str(folder / "week"))
    assert result.code == 0, result.err
    assert "33 students × 3 problems" in result.out
    submissions = folder / "submissions"
    submissions.mkdir()
    keys = {}
    for student in STUDENTS:
        keys[student] = tomllib.loads((folder / "week" / "keys" / f"{student}.toml").read_text())
        (submissions / f"{student}.toml").write_bytes(submission(keys[student],
                                                                 kind_of(student)))
    return folder, keys


def _check(folder, *options):
    return run_cli("check", "--problems", str(folder / "week" / "keys"),
                   str(folder / "submissions"), *options)


def test_gen_writes_every_students_files(week):
    folder, keys = week
    for student in STUDENTS:
        for path in (f"problems/{student}.toml", f"keys/{student}.toml",
                     f"handouts/{student}.md", f"handouts/{student}.tex"):
            assert (folder / "week" / path).is_file(), path
        blank = tomllib.loads((folder / "week" / "problems" / f"{student}.toml").read_text())
        assert blank["student"] == student
        assert all(value == "" for p in blank["problem"] for value in p["expect"].values())
        assert [p["at"] for p in blank["problem"]] == [p["at"] for p in keys[student]["problem"]]
    variants = [tuple(sorted(keys[s]["problem"][0]["at"].items())) for s in STUDENTS]
    assert len(set(variants)) == len(variants)          # no two students alike


def test_one_command_grades_the_class_one_line_per_file(week):
    folder, keys = week
    result = _check(folder)
    assert result.code == 1           # some items fail and two files cannot be read
    lines = result.out.splitlines()
    assert lines[0].split() == ["file", "student", "marks", "score", "result"]
    body = lines[1:-1]
    assert len(body) == len(STUDENTS)
    assert lines[-1].startswith("class: 33 files, ") and ", 6 not read;" in lines[-1]
    for student, line in zip(STUDENTS, body):
        kind = kind_of(student)
        assert f"{student}.toml" in line and f" {student} " in line
        earned, possible, failed = expected_grade(keys[student], kind)
        assert f"{round(earned, 2):g}/{possible:g}" in line, (kind, line)
        if kind in UNREADABLE:
            assert "not read:" in line
        elif failed:
            assert "FAIL " + failed[0] in line, (kind, line)
        else:
            assert line.endswith("PASS"), (kind, line)
    # Each file that could not be read is named on standard error with its place.
    for student in STUDENTS:
        if kind_of(student) == "invalid_toml":
            assert f"{student}.toml is not valid TOML" in result.err
        if kind_of(student) == "empty":
            assert f"{student}.toml is empty" in result.err


def test_the_odd_answers_are_read_as_students_write_them(week):
    folder, keys = week
    data = json.loads(_check(folder, "--format", "json").out)
    files = {f["student"]: f for f in data["files"]}
    for student in STUDENTS:
        kind, entry = kind_of(student), files[student]
        items = {(i["problem"], i["item"]): i for i in entry["items"]}
        if kind == "dx":
            assert entry["passed"] and not entry["notes"]
        if kind == "bom_crlf":
            assert entry["passed"] and entry["error"] is None
        if kind == "fraction":
            assert items[("1a", "value")]["typed"] == \
                str(Fraction(items[("1a", "value")]["correct"]).limit_denominator(1000))
        if kind == "unknown_key":
            assert any("'d/dY' is not an item of this problem" in n for n in entry["notes"])
            assert items[("1a", "d/dy")]["message"] == "no answer"
        if kind == "missing":
            assert items[("1a", "d/dy")]["message"] == "no answer"
        if kind == "string":
            item = items[("1a", "value")]
            assert item["passed"] is False and item["answer"] is None
            assert item["message"].startswith("cannot read 'minus four' as a number")
            assert items[("1a", "d/dx")]["passed"]
        if kind == "wrong_sign":
            item = items[("1a", "d/dz")]
            lo, hi = item["accepted"]
            assert lo <= item["correct"] <= hi and not lo <= item["answer"] <= hi
        if kind in UNREADABLE:
            assert entry["items"] == [] and entry["earned"] == 0 and entry["possible"] == 7
            assert entry["error"]["message"]


def test_the_gradebook_csv_field_by_field(week):
    folder, keys = week
    result = _check(folder, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert list(rows[0]) == ["file", "student", "earned", "possible", "percent", "failed",
                             "error", "diagnosis"]
    assert [row["student"] for row in rows] == STUDENTS
    for row in rows:
        kind = kind_of(row["student"])
        earned, possible, failed = expected_grade(keys[row["student"]], kind)
        assert row["file"].endswith(f"{row['student']}.toml")
        assert float(row["earned"]) == pytest.approx(earned)
        assert float(row["possible"]) == possible
        assert float(row["percent"]) == pytest.approx(100 * earned / possible, abs=0.01)
        assert row["failed"] == "; ".join(failed)
        assert bool(row["error"]) == (kind in UNREADABLE)
    # -o picks the format from the extension, and the same table is written.
    out = folder / "grades.csv"
    assert _check(folder, "-o", str(out)).code == 1
    assert out.read_text() == result.out


# Gradescope's documented autograder results format (results.json): the top level and each
# test, the fields it names and the values it allows.
GRADESCOPE_TOP = {"score": (int, float), "execution_time": (int, float), "output": str,
                  "output_format": str, "test_output_format": str, "test_name_format": str,
                  "visibility": str, "stdout_visibility": str, "extra_data": dict,
                  "tests": list, "leaderboard": list}
GRADESCOPE_TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str,
                   "name_format": str, "number": str, "output": str, "output_format": str,
                   "tags": list, "visibility": str, "extra_data": dict}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_results(data: dict) -> None:
    assert set(data) <= set(GRADESCOPE_TOP), set(data) - set(GRADESCOPE_TOP)
    for name, value in data.items():
        assert isinstance(value, GRADESCOPE_TOP[name]) and not isinstance(value, bool), name
    assert "score" in data or all("score" in test for test in data["tests"])
    for field in ("visibility", "stdout_visibility"):
        assert data.get(field, "visible") in VISIBILITY
    for test in data.get("tests", []):
        assert set(test) <= set(GRADESCOPE_TEST), set(test) - set(GRADESCOPE_TEST)
        for name, value in test.items():
            assert isinstance(value, GRADESCOPE_TEST[name]) and not isinstance(value, bool)
        assert test.get("visibility", "visible") in VISIBILITY
        assert test.get("status", "passed") in ("passed", "failed")
        assert 0 <= test.get("score", 0) <= test.get("max_score", math.inf)


@pytest.mark.parametrize("kind", ["right", "wrong_sign", "string", "invalid_toml"])
def test_gradescope_results_field_by_field(week, kind):
    folder, keys = week
    student = next(s for s in STUDENTS if kind_of(s) == kind)
    path = folder / "submissions" / f"{student}.toml"
    result = run_cli("check", "--problems", str(folder / "week" / "keys"), str(path),
                     "--format", "gradescope")
    data = json.loads(result.out)
    assert_gradescope_results(data)
    earned, possible, failed = expected_grade(keys[student], kind)
    assert data["score"] == pytest.approx(earned)
    tests = data["tests"]
    if kind == "invalid_toml":
        assert tests == [] and "could not be read" in data["output"]
        return
    assert sum(t["max_score"] for t in tests) == pytest.approx(possible)
    assert sum(t["score"] for t in tests) == pytest.approx(earned)
    assert [t["name"] for t in tests if t["status"] == "failed"] == failed
    assert all(t["visibility"] == "visible" for t in tests)
    for test in tests:
        assert test["output"].startswith("PASS " if test["status"] == "passed" else "FAIL ")
        assert "correct" in test["output"] or "no answer" in test["output"] \
            or "cannot read" in test["output"]


def test_gradescope_hides_the_answers_until_after_the_due_date(week):
    folder, keys = week
    student = next(s for s in STUDENTS if kind_of(s) == "wrong_sign")
    result = run_cli("check", "--problems", str(folder / "week" / "keys"),
                     str(folder / "submissions" / f"{student}.toml"), "--format", "gradescope",
                     "--hide-answers", "-o", str(folder / "results.json"))
    assert result.code == 1 and result.out == ""
    data = json.loads((folder / "results.json").read_text())
    assert_gradescope_results(data)
    *items, answers = data["tests"]
    assert all("correct" not in t["output"] and "accepted" not in t["output"] for t in items)
    assert all(t["visibility"] == "visible" for t in items)
    assert answers["visibility"] == "after_due_date" and answers["max_score"] == 0
    assert "correct" in answers["output"]


def test_gradescope_takes_one_submission_and_a_mismatched_extension_is_refused(week):
    folder, _ = week
    result = _check(folder, "--format", "gradescope")
    assert result.code == 2 and "one submission's results.json" in result.err
    result = _check(folder, "--format", "csv", "-o", str(folder / "grades.json"))
    assert result.code == 2 and "needs --format json" in result.err


def test_only_the_tas_files_exit_2(week, tmp_path):
    folder, _ = week
    bad = tmp_path / "problems.toml"
    bad.write_text("[[problem]\n")
    result = run_cli("check", "--problems", str(bad), str(folder / "submissions"))
    assert result.code == 2 and result.out == ""
    assert run_cli("check", "--problems", str(folder / "week" / "keys"),
                   str(tmp_path / "nowhere")).code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("check", str(empty)).code == 2


def test_the_handouts_ask_the_students_variant_and_never_give_the_answers(week):
    folder, keys = week
    key = keys["s00"]
    markdown = (folder / "week" / "handouts" / "s00.md").read_text()
    latex = (folder / "week" / "handouts" / "s00.tex").read_text()
    assert "# Backpropagation: Student s00" in markdown
    assert "## Problem 1a (2 marks)" in markdown and "∂f/∂z" in markdown
    assert latex.startswith(r"\documentclass{article}") and latex.endswith("\\end{document}\n")
    assert r"\partial f / \partial w" in latex
    for problem in key["problem"]:
        for name, value in problem["at"].items():
            assert f"{name} = {value:g}" in markdown


def test_the_python_api_grades_the_same_class(week):
    import gradcli

    folder, keys = week
    results = gradcli.check(folder / "submissions", problems=folder / "week" / "keys")
    assert [r.student for r in results] == STUDENTS
    for result in results:
        earned, possible, _ = expected_grade(keys[result.student], kind_of(result.student))
        assert (result.earned, result.possible) == (pytest.approx(earned), possible)
        assert (result.error is not None) == (kind_of(result.student) in UNREADABLE)
