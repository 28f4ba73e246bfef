"""`gradcli gen` (grading/variants.py, render/handout.py): the same seed gives the same files
byte for byte; a student's variant depends on (seed, student, problem) alone; 1,000 students'
variants of a three-problem set hold no duplicate and break no constraint; a problem whose
constraints cannot be met, and a bad roster, are errors naming them (exit 2)."""

import math
from fractions import Fraction

import pytest
from _helpers import run_cli

from gradcli.errors import InputError
from gradcli.grading.grade import problem_report
from gradcli.grading.variants import (
    MAX_DRAWS,
    Stream,
    Student,
    generate,
    input_choices,
    nice_number,
    read_roster,
    violations,
)

# Ranges wide enough for 1,000 students to each have their own variant of every problem.
BIG = """\
[[problem]]
id = "1a"
program = "q = x + y; f = q * z + x"
at = {x = {min = -20, max = 20}, y = {min = -10, max = 10, step = 0.5}, z = {min = -9, max = 9}}
fork = true
nice = true

[[problem]]
id = "1b"
program = "sigmoid(w*x + b)"
at = {w = {min = -3, max = 3, step = 0.25}, x = {min = -4, max = 4, step = 0.5}, b = [-1, 0, 1]}
ask = ["value", "d/dw", "d/db"]
sigfigs = 3

[[problem]]
id = "1c"
program = "h = relu(a*b - c); f = h * a"
at = {a = {min = -6, max = 6}, b = {min = -5, max = 5}, c = {min = -5, max = 5, step = 0.5}}
no_kinks = true
margin = 0.5
fork = true
nice = true
"""


def _gen(tmp_path, name, problems=BIG, students=("ann", "bo", "cy"), seed="7", *extra):
    (tmp_path / "problems.toml").write_text(problems)
    (tmp_path / "roster.csv").write_text("name,id\n" + "".join(f"N {s},{s}\n" for s in students))
    return run_cli("gen", str(tmp_path / "problems.toml"), "--roster",
                   str(tmp_path / "roster.csv"), "--seed", seed, "-o", str(tmp_path / name),
                   *extra)


def _tree(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_same_seed_gives_byte_identical_files(tmp_path):
    assert _gen(tmp_path, "one").code == 0
    assert _gen(tmp_path, "two").code == 0
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert len(one) == 3 * 4 and one == two
    assert _gen(tmp_path, "three", BIG, ("ann", "bo", "cy"), "8").code == 0
    assert _tree(tmp_path / "three") != one


def test_one_students_files_alone_are_the_same_files(tmp_path):
    assert _gen(tmp_path, "all").code == 0
    result = _gen(tmp_path, "bo", BIG, ("ann", "bo", "cy"), "7", "--student", "bo")
    assert result.code == 0 and "1 student × 3 problems" in result.out
    alone = _tree(tmp_path / "bo")
    assert sorted(alone) == ["handouts/bo.md", "handouts/bo.tex", "keys/bo.toml",
                             "problems/bo.toml"]
    everyone = _tree(tmp_path / "all")
    assert all(alone[name] == everyone[name] for name in alone)
    # The variant depends on (seed, student, problem): another class, the same variant.
    assert _gen(tmp_path, "other", BIG, ("bo", "zed")).code == 0
    assert _tree(tmp_path / "other")["keys/bo.toml"] == everyone["keys/bo.toml"]


def test_the_stream_is_a_hash_of_seed_student_and_problem():
    draws = [Stream(7, "ann", "1a").below(1000) for _ in range(2)]
    assert draws[0] == draws[1]
    assert Stream(7, "ann", "1a").below(10 ** 9) != Stream(7, "ann", "1b").below(10 ** 9)
    assert Stream(7, "ann", "1a").below(10 ** 9) != Stream(8, "ann", "1a").below(10 ** 9)


def test_a_thousand_variants_hold_no_duplicate_and_break_no_constraint():
    data, variants = generate(BIG, "big.toml", [Student(f"s{i:04d}") for i in range(1000)], 2026)
    assert len(variants) == 1000
    for index in range(3):
        seen = [tuple(sorted(v[index].problem["at"].items())) for v in variants.values()]
        assert len(set(seen)) == 1000
    for student, mine in variants.items():
        one_a, one_b, one_c = mine
        # The constraints, checked again from the numbers themselves.
        x, y, z = (one_a.problem["at"][n] for n in "xyz")
        assert one_a.answers == pytest.approx({"value": (x + y) * z + x, "d/dx": z + 1,
                                               "d/dy": z, "d/dz": x + y})
        assert z != 0                           # the fork: both uses of x carry gradient
        assert all(nice_number(v) for v in one_a.answers.values())
        a, b, c = (one_c.problem["at"][n] for n in "abc")
        assert abs(a * b - c) > 0.5             # no kink within the margin
        assert all(nice_number(v) for v in one_c.answers.values())
        assert a != 0 and a * b - c > 0         # the fork: a used twice, both live
        assert set(one_b.answers) == {"value", "d/dw", "d/db"}
        assert all(math.isfinite(v) for v in one_b.answers.values())
        for variant in mine:
            report = problem_report(variant.problem, "check")
            assert violations(variant.problem, report, variant.asked) == []


def test_a_problem_that_cannot_meet_its_constraints_is_named(tmp_path):
    impossible = '[[problem]]\nid = "kinky"\nprogram = "relu(x)"\nat = {x = [0, 0.25]}\n' \
                 "no_kinks = true\n"
    result = _gen(tmp_path, "out", impossible)
    assert result.code == 2
    assert "problem 'kinky': no variant for student 'ann' met its constraints in " \
        f"{MAX_DRAWS} draws (no_kinks {MAX_DRAWS} times, a warning" in result.err
    too_small = '[[problem]]\nid = "tiny"\nprogram = "x*y"\nat = {x = [1, 2], y = 3}\n'
    result = _gen(tmp_path, "out", too_small)
    assert result.code == 2 and "a duplicate of another student's" in result.err
    outside = '[[problem]]\nid = "log"\nprogram = "log(x)"\nat = {x = {min = -3, max = 0}}\n'
    result = _gen(tmp_path, "out", outside)
    assert result.code == 2 and "outside an op's domain" in result.err


@pytest.mark.parametrize("roster, message", [
    ("name\nann\n", "no id column in its header"),
    ("id\nann\nann\n", "the student 'ann' is listed twice (first at row 2)"),
    ("id\n../etc\n", "'../etc' cannot be a student id"),
    ("", "is empty"),
    ("id\n", "lists no students"),
])
def test_roster_errors(roster, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_roster(roster, "roster.csv")


def test_roster_with_a_bom_email_ids_and_names():
    students = read_roster("\ufeffName,Email\r\nAnn A,ann@uni.edu\r\n\r\nBo,bo@uni.edu\r\n", "r")
    assert students == [Student("ann@uni.edu", "Ann A"), Student("bo@uni.edu", "Bo")]


@pytest.mark.parametrize("spec, values", [
    (3, [3]),
    ([2, -3, 0.5], [2, -3, 0.5]),
    ({"min": -1, "max": 1}, [-1, 0, 1]),
    ({"min": 0, "max": 0.3, "step": 0.1}, [0, 0.1, 0.2, 0.3]),
])
def test_inputs_as_numbers_ranges_and_choices(spec, values):
    assert input_choices("x", spec, "p") == values


@pytest.mark.parametrize("spec", [{"min": 1}, {"min": 1, "max": 0}, {"min": 0, "max": 1,
                                                                      "step": 0}, [], [True],
                                  "three"])
def test_bad_ranges_are_errors(spec):
    with pytest.raises(InputError, match="at.x"):
        input_choices("x", spec, "p")


def test_nice_numbers():
    assert all(nice_number(x) for x in (0, -3, 0.25, float(Fraction(-7, 12)), 0.0625, 1 / 3))
    assert not any(nice_number(x) for x in (0.0066928509, math.pi, math.inf))


def test_gen_refuses_a_file_for_a_folder_and_an_unknown_student(tmp_path):
    (tmp_path / "file").write_text("")
    result = _gen(tmp_path, "file")
    assert result.code == 2 and "is a file" in result.err
    result = _gen(tmp_path, "out", BIG, ("ann",), "7", "--student", "zed")
    assert result.code == 2 and "'zed' is not in" in result.err


def test_the_latex_handout_compiles(tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None:
        pytest.skip("needs pdflatex (a TeX distribution) to compile the handout")
    assert _gen(tmp_path, "out", BIG, ("ann_b",)).code == 0
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           str(tmp_path / "out" / "handouts" / "ann_b.tex")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "ann_b.pdf").is_file()
