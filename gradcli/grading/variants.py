"""`gradcli gen`: one variant of a problem set per student, each checked before it is written.

A problem gives its inputs as fixed numbers, ranges or choices, and constraints that make a
good backprop exercise:

    [[problem]]
    id = "1a"
    program = "q = x + y; f = q * z + x"
    at = {x = {min = -5, max = 5, step = 1}, y = [2, -3, 0.5], z = 4}
    fork = true          # some value is used twice, with gradient flowing down both uses
    no_kinks = true      # no relu/abs/max/min input within `margin` (default 0.5) of a kink
    nice = true          # the value and every gradient asked: small fractions, short decimals

Every variant also keeps each op inside its domain and the sweep free of warnings. A student's
draws come from their own stream, a hash of (seed, student id, problem id): never Python's
salted hash() or its random module, so the same seed gives the same files on any machine and
version. Students are taken in id order; one whose variant of a problem would repeat an
earlier student's draws again from their stream, so a class never shares a variant. After
MAX_DRAWS draws without a variant that meets every constraint, the problem is an error naming
it (the TA's file: exit 2).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from gradcli.errors import GradcliError, InputError, MathError
from gradcli.grading.grade import asked_items, parse_problem, problem_report
from gradcli.grading.problems import load
from gradcli.grading.toml import dumps, toml_string
from gradcli.program.scalar_only import refuse_arrays

MAX_DRAWS = 200
MARGIN = 0.5
NICE_DENOMINATOR = 20      # 1/3, -7/12 are nice
NICE_DECIMALS = 4          # 0.0625 is nice
ROSTER_COLUMNS = ("id", "student", "student_id", "sid", "login", "username", "email")
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*\Z")


# ------------------------------------------------------------------ the roster

@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""


def read_roster(text: str, source: str) -> list[Student]:
    """Students from a CSV with a header naming an id column (id, student, student_id, sid,
    login, username or email) and, optionally, a name column; in file order."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise InputError(f"{source} is empty: a roster is a CSV with a header, like id,name")
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(name) for name in ROSTER_COLUMNS if name in header), None)
    if column is None:
        raise InputError(f"{source}: no id column in its header ({', '.join(rows[0])}); name "
                         f"one of: {', '.join(ROSTER_COLUMNS)}")
    name_column = header.index("name") if "name" in header else None
    students, seen = [], {}
    for line, row in enumerate(rows[1:], 2):
        sid = row[column].strip() if column < len(row) else ""
        if not STUDENT_ID.match(sid):
            raise InputError(f"{source}: row {line}: {sid!r} cannot be a student id (letters, "
                             "digits and . _ @ + -, as it names the student's files)")
        if sid in seen:
            raise InputError(f"{source}: row {line}: the student {sid!r} is listed twice (first "
                             f"at row {seen[sid]})")
        seen[sid] = line
        name = row[name_column].strip() if name_column is not None and \
            name_column < len(row) else ""
        students.append(Student(sid, name))
    if not students:
        raise InputError(f"{source} lists no students under its header")
    return students


# ------------------------------------------------------------------ drawing

class Stream:
    """Numbers that depend only on (seed, student, problem): SHA-256 in counter mode."""

    def __init__(self, seed: int, student: str, problem: str):
        self.key = f"{seed}\0{student}\0{problem}\0".encode()
        self.counter = 0

    def below(self, n: int) -> int:
        digest = hashlib.sha256(self.key + str(self.counter).encode()).digest()
        self.counter += 1
        return int.from_bytes(digest[:8], "big") % n


def _plain(value: Decimal | float | int):
    """A drawn number as TOML writes it: whole numbers as integers."""
    number = float(value)
    return int(number) if number == int(number) and abs(number) < 2 ** 53 else number


def input_choices(name: str, spec, where: str) -> list:
    """The values an input may take: a number, a table {min, max, step}, or a list of
    choices."""
    if isinstance(spec, bool):
        raise InputError(f"{where}: at.{name} must be a number, a range or a list of choices")
    if isinstance(spec, (int, float)):
        return [spec]
    if isinstance(spec, list):
        if not spec or any(isinstance(v, bool) or not isinstance(v, (int, float))
                           or not math.isfinite(v) for v in spec):
            raise InputError(f"{where}: at.{name} lists choices, which must be finite numbers, "
                             "like [2, -3, 0.5]")
        return list(spec)
    if isinstance(spec, dict):
        unknown = set(spec) - {"min", "max", "step"}
        if unknown or not {"min", "max"} <= set(spec):
            raise InputError(f"{where}: at.{name} is a range {{min = -5, max = 5, step = 1}} "
                             "(step defaults to 1)")
        low, high, step = spec["min"], spec["max"], spec.get("step", 1)
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
               for v in (low, high, step)) or step <= 0 or high < low:
            raise InputError(f"{where}: at.{name}: a range needs finite numbers with min <= max "
                             "and step > 0")
        low_d, step_d = Decimal(repr(low)), Decimal(repr(step))
        count = int((Decimal(repr(high)) - low_d) / step_d) + 1
        if count > 10 ** 6:
            raise InputError(f"{where}: at.{name}: the range has more than a million values; "
                             "use a larger step")
        return [_plain(low_d + k * step_d) for k in range(count)]
    raise InputError(f"{where}: at.{name} must be a number, a range or a list of choices")


@dataclass
class Template:
    """One problem of the TA's file, its inputs as lists of choices."""
    problem: dict
    choices: dict[str, list]
    where: str
    statements: list | None = None      # the program, parsed once for all its draws

    def draw(self, stream: Stream) -> dict:
        return {name: values[stream.below(len(values))] if len(values) > 1 else values[0]
                for name, values in self.choices.items()}


def nice_number(x: float) -> bool:
    """A small fraction (p/q, q <= 20) or a short decimal (at most 4 places)."""
    if not math.isfinite(x):
        return False
    scale = max(1.0, abs(x))
    if abs(float(Fraction(x).limit_denominator(NICE_DENOMINATOR)) - x) <= 1e-9 * scale:
        return True
    shifted = x * 10 ** NICE_DECIMALS
    return abs(shifted - round(shifted)) <= 1e-6 * max(1.0, abs(shifted))


def _kinks_near(report, margin: float) -> bool:
    """Whether a piecewise op (relu, abs, max, min, as the op table declares by `branch`)
    would change branch if one of its inputs moved by `margin`."""
    graph, values = report.graph, report.values
    for node, op in enumerate(graph.ops):
        if op.branch is None:
            continue
        args = [values[j] for j in graph.args(node)]
        here = op.branch(values[node], *args)
        for i in range(len(args)):
            for sign in (1, -1):
                moved = list(args)
                moved[i] += sign * margin
                try:
                    if op.branch(op.forward(*moved), *moved) != here:
                        return True
                except (ArithmeticError, ValueError, GradcliError):
                    return True
    return False


def _forks(report) -> bool:
    """Whether some value is used twice with gradient flowing back along both uses."""
    for node in range(len(report.graph.ops)):
        if sum(1 for _, share in report.contributions(node) if share != 0) >= 2:
            return True
    return False


def violations(problem: dict, report, asked) -> list[str]:
    """The constraints a variant's report breaks (empty: a good variant)."""
    broken = []
    if report.warnings:
        broken.append("a warning")
    if problem.get("fork") and not _forks(report):
        broken.append("fork")
    if problem.get("no_kinks") and _kinks_near(report, float(problem.get("margin", MARGIN))):
        broken.append("no_kinks")
    if problem.get("nice"):
        numbers = [report.value if item == "value" else report.gradient(item[3:])
                   for item in asked]
        if not all(nice_number(float(number)) for number in numbers):
            broken.append("nice")
    return broken


# ------------------------------------------------------------------ the class

@dataclass
class Variant:
    """One student's version of one problem, checked."""
    problem: dict            # the problem as the student's files give it (its drawn `at`)
    answers: dict            # item -> gradcli's number
    asked: list
    output: str = "f"        # the output's name, as the handout writes ∂f/∂x


def load_templates(text: str, source: str) -> tuple[dict, list[Template]]:
    data = load(text, source, template=True)
    templates = []
    for problem in data["problem"]:
        where = f"{source}: problem {problem['id']!r}"
        choices = {name: input_choices(name, spec, where)
                   for name, spec in problem.get("at", {}).items()}
        if any(isinstance(v, list) for values in choices.values() for v in values):
            raise InputError(f"{where}: gen draws numbers; array inputs are not drawn")
        templates.append(Template(problem, choices, where, parse_problem(problem, source)))
    return data, templates


def make_variant(template: Template, stream: Stream, taken: set, source: str,
                 student: str) -> Variant:
    """The first draw of the student's stream that computes, meets every constraint and
    repeats no variant in `taken`; an error naming the problem after MAX_DRAWS draws."""
    problem = template.problem
    reasons: dict[str, int] = {}
    for _ in range(MAX_DRAWS):
        point = template.draw(stream)
        fingerprint = tuple(sorted(point.items()))
        if fingerprint in taken:
            reasons["a duplicate of another student's"] = \
                reasons.get("a duplicate of another student's", 0) + 1
            continue
        drawn = {**problem, "at": point}
        try:
            report = problem_report(drawn, source, template.statements)
            asked = asked_items(drawn, report, source)
        except MathError:
            reasons["outside an op's domain"] = reasons.get("outside an op's domain", 0) + 1
            continue
        if report.domain != "scalar":
            error = refuse_arrays("gradcli gen", report)
            error.message = f"{template.where}: {error.message}"
            raise error
        broken = violations(problem, report, asked)
        if broken:
            for reason in broken:
                reasons[reason] = reasons.get(reason, 0) + 1
            continue
        taken.add(fingerprint)
        answers = {item: float(report.value if item == "value" else report.gradient(item[3:]))
                   for item in asked}
        return Variant(drawn, answers, asked, report.output_name)
    why = ", ".join(f"{reason} {count} times" for reason, count in
                    sorted(reasons.items(), key=lambda pair: -pair[1]))
    raise InputError(f"{template.where}: no variant for student {student!r} met its constraints "
                     f"in {MAX_DRAWS} draws ({why}): widen its ranges or drop a constraint")


def generate(text: str, source: str, students: list[Student], seed: int):
    """(the file's settings, {student id: [Variant per problem]}), students in id order."""
    data, templates = load_templates(text, source)
    taken: dict[str, set] = {t.problem["id"]: set() for t in templates}
    out = {}
    for student in sorted(students, key=lambda s: s.id):
        out[student.id] = [make_variant(t, Stream(seed, student.id, t.problem["id"]),
                                        taken[t.problem["id"]], source, student.id)
                           for t in templates]
    return data, out


# ------------------------------------------------------------------ the files

SETTINGS = ("marks", "rtol", "atol", "sigfigs", "gradcheck")
SHOWN = ("id", "program", "at", "marks", "rtol", "atol", "sigfigs", "gradcheck", "output")
# What only the key holds: how much a diagnosed mistake earns.
KEY_ONLY = ("partial",)


def _problem_table(variant: Variant, expect: dict, key: bool = False) -> dict:
    problem = variant.problem
    table = {k: problem[k] for k in SHOWN + (KEY_ONLY if key else ()) if k in problem}
    table["ask"] = list(variant.asked)
    table["expect"] = expect
    return table


def _top(data: dict, student: Student, key: bool = False) -> dict:
    top = {"student": student.id}
    top.update({k: data[k] for k in SETTINGS + (KEY_ONLY if key else ()) if k in data})
    return top


def key_file(data: dict, student: Student, variants: list[Variant], seed: int) -> str:
    """The student's key, as `gradcli check --problems KEYS/` reads it."""
    body = {**_top(data, student, key=True),
            "problem": [_problem_table(v, dict(v.answers), key=True) for v in variants]}
    return (f"# The key of {toml_string(student.id)} (gradcli gen, seed {seed}): "
            "do not hand out.\n" + dumps(body))


def student_file(data: dict, student: Student, variants: list[Variant]) -> str:
    """What the student fills in: each answer in place of its \"\"."""
    body = {**_top(data, student),
            "problem": [_problem_table(v, {item: "" for item in v.asked}) for v in variants]}
    return ("# Write each answer in its expect table, in place of \"\": a number (-0.25), or a\n"
            "# fraction or constant expression in quotes (\"-1/4\"). Then hand this file in.\n"
            + dumps(body))
