"""Answer files (grading/problems.py says their schema), graded against gradcli's own
computation. An item is one entry of a problem's `expect`; its marks are the problem's,
shared equally by its items. A problem may set rtol, atol, sigfigs and `gradcheck = true`.

Grading is per file, always: whatever one submission holds (bad TOML, a string where a number
goes, an answer under a name nobody asked for) is reported on that file, which earns nothing
for what could not be read, and every other file is graded. Only the TA's own files stop a
run (load_problems, KeyFolder).

Students write gradients in several spellings; ALIASES lists them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from gradcli.checks.diagnose import diagnose
from gradcli.checks.expect import check_item
from gradcli.checks.gradcheck import gradcheck as numeric_check
from gradcli.checks.results import judge, rounding_hint
from gradcli.compute import (
    as_array,
    compute,
    compute_statements,
    parse_binding_value,
    parse_program,
)
from gradcli.defaults import ATOL, RTOL
from gradcli.display import Displayable
from gradcli.errors import ExitStatus, GradcliError, InputError, reading
from gradcli.grading.problems import load
from gradcli.numbers import is_array, json_number, json_value
from gradcli.program.bindings import reword_missing
from gradcli.program.split import forward_part

# The spellings of one item, for an output f and an input x (docs/grading.md lists them):
ALIASES = ("d/dx", "dx", "df/dx", "dfdx", "grad_x", "∂f/∂x")


@dataclass
class ItemResult:
    problem: str
    item: str
    answer: object                 # the student's number (or array); None: none to read
    correct: object                # gradcli's; None where the problem could not be computed
    passed: bool
    marks: float
    earned: float
    message: str = ""
    accepted: tuple[float, float] | None = None
    typed: str = ""                # the answer as written, when it was a string ("-1/3")
    hint: str = ""
    # A failed gradient's mistakes (checks/diagnose.py) that give this answer, simplest first.
    diagnosis: tuple = ()
    credited: str = ""             # the mistake whose partial credit the item earned

    def to_json(self, hide_answers: bool = False) -> dict:
        out = {"problem": self.problem, "item": self.item, "answer": json_value(self.answer),
               "passed": self.passed, "marks": self.marks, "earned": self.earned}
        if self.typed:
            out["typed"] = self.typed
        if not hide_answers:
            out["correct"] = json_value(self.correct)
            out["accepted"] = None if self.accepted is None else \
                [json_number(end) for end in self.accepted]
        if self.message:
            out["message"] = self.message
        if self.hint:
            out["hint"] = self.hint
        if not self.passed:
            out["diagnosis"] = [d.to_json() for d in self.diagnosis]
        if self.credited:
            out["partial"] = self.credited
        return out


@dataclass
class FileResult(Displayable):
    """The grading of one answer file."""
    file: str
    items: list[ItemResult] = field(default_factory=list)
    error: GradcliError | None = None      # the file could not be read at all
    status: int = 0
    notes: list[str] = field(default_factory=list)     # unknown or missing ids, changed programs
    problem_errors: list[GradcliError] = field(default_factory=list)   # with their carets
    student: str = ""
    missing_marks: float = 0.0             # the key's marks of a file that could not be read

    def __post_init__(self):
        if not self.student:
            self.student = student_of(self.file)

    def __repr__(self) -> str:
        if self.error is not None:
            return f"FileResult({self.file!r}, not graded: {self.error.message})"
        passing = len(self.items) - len(self.failed)
        return (f"FileResult({self.file!r}, {_tidy(self.earned):g}/{_tidy(self.possible):g} "
                f"marks, {passing} of {len(self.items)} items pass)")

    @property
    def earned(self) -> float:
        return sum(item.earned for item in self.items)

    @property
    def possible(self) -> float:
        return sum(item.marks for item in self.items) + self.missing_marks

    @property
    def score(self) -> float:
        return self.earned / self.possible if self.possible else 0.0

    @property
    def passed(self) -> bool:
        return self.error is None and all(item.passed for item in self.items)

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if not item.passed]

    def to_json(self, hide_answers: bool = False) -> dict:
        error = None
        if self.error is not None:
            where = self.error.line_column
            error = {"message": self.error.message, "line": where[0] if where else None,
                     "column": where[1] if where else None}
        return {"file": self.file, "student": self.student, "passed": self.passed,
                "earned": _tidy(self.earned), "possible": _tidy(self.possible),
                "score": self.score, "items": [item.to_json(hide_answers) for item in self.items],
                "notes": list(self.notes), "error": error}


def student_of(path: str) -> str:
    """A file's student id when it names none: its name without folder or extension."""
    return os.path.splitext(os.path.basename(path))[0]


def _tidy(marks: float) -> float:
    return round(float(marks), 10)


def _at_hint(error) -> None:
    """A missing input is given in the problem's `at` table, not on the command line."""
    reword_missing(error, "in the problem's at table",
                   lambda names: "at = {" + ", ".join(f"{n} = 1" for n in names) + "}")


def problem_report(problem: dict, source: str, statements=None):
    """The report of a problem's program at its point `at`; `statements`: the program
    already parsed (parse_problem), for a program computed at many points."""
    bindings = {k: v if isinstance(v, list) else float(v)
                for k, v in problem.get("at", {}).items()}
    filename = f"{source} [{problem['id']}]"
    if statements is not None:
        return compute_statements(statements, problem["program"], bindings,
                                  output=problem.get("output"), filename=filename)
    return compute(problem["program"], bindings, output=problem.get("output"),
                   filename=filename)


def parse_problem(problem: dict, source: str):
    """A problem's program parsed once, its pasted backward pass refused as compute does."""
    filename = f"{source} [{problem['id']}]"
    statements = parse_program(problem["program"], filename)
    try:
        return forward_part(statements, problem.get("output"), filename, False)
    except GradcliError as error:
        raise error.with_source(problem["program"], filename)


# ------------------------------------------------------------------ the items and their names

def gradient_names(report) -> list[str]:
    """The names a gradient may be asked of: the inputs and the named values."""
    names = []
    output = report.graph.names[report.graph.output]
    for name in dict.fromkeys(n for n in report.graph.names if n not in (None, output)):
        try:
            report.gradient(name)
        except KeyError:
            continue
        names.append(name)
    return names


def canonical_item(key: str, names, output: str) -> str | None:
    """The item a student's key means ('dx', 'df/dx', 'grad_x' all mean 'd/dx'), or None.
    A spelling counts only when the name it leaves is one of the program's."""
    key = key.strip()
    if key in ("value", output):
        return "value"
    candidates = []
    for prefix in ("d/d", f"d{output}/d", f"∂{output}/∂", "grad_", f"d{output}d", "d"):
        if key.startswith(prefix):
            candidates.append(key[len(prefix):])
    for name in candidates:
        if name in names:
            return f"d/d{name}"
    return None


def read_answer(value) -> tuple[object, str, str]:
    """(number or array, the text as written, why it cannot be read): a number, an array, or
    a string holding a fraction or constant expression (evaluated by gradcli, never eval)."""
    if isinstance(value, bool):
        return None, "", f"{str(value).lower()} is not a number"
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None, "", f"{value} is not a finite number"
        return float(value), "", ""
    if isinstance(value, str):
        if not value.strip():
            return None, "", "no answer"
        try:
            number = parse_binding_value(value.strip())
        except GradcliError as error:
            return None, value, f"cannot read {value!r} as a number: {error.message}"
        return number, value.strip(), ""
    if isinstance(value, list):
        try:
            return as_array(value, "the answer"), "", ""
        except GradcliError as error:
            return None, "", error.message
    return None, "", f"{value!r} is not a number"


# ------------------------------------------------------------------ the TA's files

@dataclass
class ProblemSet:
    """The TA's problem file, checked and computed once for the whole class."""
    data: dict
    source: str
    reports: dict
    asked: dict

    @property
    def possible(self) -> float:
        return sum(_marks(problem, self.data) for problem in self.data["problem"])


def _marks(problem: dict, defaults: dict) -> float:
    return float(problem.get("marks", defaults.get("marks", 1)))


def load_problems(text: str, source: str, parsed: dict | None = None) -> ProblemSet:
    """The TA's problem file for `check --problems`; any fault in it is an error (exit 2),
    including a program that does not parse or run at its point. `parsed`: programs already
    parsed, by their text (the keys of one class share their programs)."""
    data = load(text, source)
    reports, asked = {}, {}
    for problem in data["problem"]:
        try:
            statements = None
            if parsed is not None:
                program = (problem["program"], problem.get("output"))
                if program not in parsed:
                    parsed[program] = parse_problem(problem, source)
                statements = parsed[program]
            report = problem_report(problem, source, statements)
        except GradcliError as error:
            _at_hint(error)
            error.message = f"{source}: problem {problem['id']!r}: {error.message}"
            raise
        reports[problem["id"]] = report
        asked[problem["id"]] = asked_items(problem, report, source)
    return ProblemSet(data, source, reports, asked)


class KeyFolder:
    """The per-student keys `gradcli gen` writes (KEYS/ID.toml), each loaded on first use:
    a submission is graded against the key of its `student`."""

    def __init__(self, folder: str):
        self.folder = folder
        self.loaded: dict[str, ProblemSet | None] = {}
        self.parsed: dict = {}

    def for_student(self, student: str) -> ProblemSet | None:
        if student not in self.loaded:
            path = os.path.join(self.folder, f"{student}.toml")
            if not student or os.sep in student or student.startswith(".") \
                    or not os.path.isfile(path):
                self.loaded[student] = None
            else:
                with reading(path, "a TOML file of problems"), \
                        open(path, encoding="utf-8", newline="") as f:
                    text = f.read()
                self.loaded[student] = load_problems(text, path, self.parsed)
        return self.loaded[student]


# ------------------------------------------------------------------ grading one file

def grade(text: str, source: str, *, hide_answers: bool = False, gradcheck: bool = False,
          rtol: float | None = None, atol: float | None = None,
          problems: ProblemSet | KeyFolder | None = None) -> FileResult:
    """Grade one answer file's text.

    Without `problems`, each problem is graded against the program and point written in
    the same file. With `problems` (the TA's ProblemSet, or a KeyFolder of per-student keys),
    programs, points, marks, tolerances and the items asked come from there, and only the
    answers (`expect`) from this file, matched by problem id."""
    result = FileResult(source)
    try:
        data = load(text, source, answers_only=problems is not None, notes=result.notes)
    except GradcliError as error:
        return unreadable(result, error, problems)
    student = data.get("student")
    if isinstance(student, (str, int)) and not isinstance(student, bool) and str(student):
        result.student = str(student)
    if problems is None:
        if not any(problem.get("expect") for problem in data["problem"]):
            error = InputError(f"{source} has no answers to grade: no problem has an expect "
                               "table, like expect = {value = -12, \"d/dx\" = -4}")
            return unreadable(result, error, None)
        for problem in data["problem"]:
            _self_check(result, problem, data, source, gradcheck, rtol, atol)
    else:
        key = problems if isinstance(problems, ProblemSet) else \
            problems.for_student(result.student)
        if key is None:
            error = InputError(f"{source}: no key for student {result.student!r} in "
                               f"{problems.folder} (a submission names its student with "
                               "student = \"ID\", or by its file name)")
            return unreadable(result, error, None)
        _against_key(result, data, key, source, gradcheck, rtol, atol)
    if not result.passed:
        result.status = max(result.status, int(ExitStatus.CHECK_FAILED))
    return result


def unreadable(result: FileResult, error: GradcliError, problems) -> FileResult:
    """A file that could not be read: reported on its own, worth nothing, exit 1."""
    result.error = error
    result.status = int(ExitStatus.CHECK_FAILED)
    if isinstance(problems, KeyFolder):
        problems = problems.for_student(result.student)
    if isinstance(problems, ProblemSet):
        result.missing_marks = problems.possible
    return result


def _against_key(result: FileResult, data: dict, key: ProblemSet, source: str, gradcheck,
                 rtol, atol) -> None:
    answers = {problem["id"]: problem for problem in data["problem"]}
    known = {problem["id"] for problem in key.data["problem"]}
    for pid in answers:
        if pid not in known:
            result.notes.append(f"problem {pid!r} is not in {key.source}: not graded")
    for problem in key.data["problem"]:
        pid = problem["id"]
        answer = answers.get(pid)
        if answer is None:
            result.notes.append(f"problem {pid!r} is missing: no answer in {source}")
        else:
            result.notes += _differences(problem, answer, key.source)
        report = key.reports[pid]
        claims = _claims(result, pid, {} if answer is None else answer.get("expect", {}),
                         report, key.asked[pid])
        _grade_items(result, problem, key.data, report, key.asked[pid], claims, gradcheck,
                     rtol, atol)


def _self_check(result: FileResult, problem: dict, data: dict, source: str, gradcheck, rtol,
                atol) -> None:
    """A problem graded against the program and point written beside its answers."""
    pid = problem["id"]
    expect = problem.get("expect", {})
    try:
        report = problem_report(problem, source)
    except GradcliError as error:
        _at_hint(error)
        if not error.message.startswith(f"{source}: problem "):
            error.message = f"{source}: problem {pid!r}: {error.message}"
        result.problem_errors.append(error)
        marks = _marks(problem, data)
        items = list(expect) or ["value"]
        for item in items:
            result.items.append(ItemResult(pid, str(item), None, None, False,
                                           marks / len(items), 0.0, error.message))
        return
    claims = _claims(result, pid, expect, report, None)
    _grade_items(result, problem, data, report, list(claims), claims, gradcheck, rtol, atol)


def _claims(result: FileResult, pid: str, expect: dict, report, asked) -> dict:
    """A problem's answers by item, each key read through the aliases; what no item of the
    problem is called, or was not asked, is a note on the file."""
    names = gradient_names(report)
    output = report.output_name
    claims: dict = {}
    spelled: dict = {}
    for key, value in expect.items():
        item = canonical_item(str(key), names, output)
        if item is None or (asked is not None and item not in asked):
            items = asked if asked is not None else ["value"] + [f"d/d{n}" for n in names]
            why = "is not an item of this problem" if item is None else "was not asked"
            result.notes.append(f"problem {pid!r}: the answer {str(key)!r} {why} (its items: "
                                f"{', '.join(items)}): not graded")
            continue
        if item in claims:
            result.notes.append(f"problem {pid!r}: {spelled[item]!r} and {str(key)!r} both "
                                f"answer {item}: the first is graded")
            continue
        claims[item] = value
        spelled[item] = str(key)
    return claims


def _differences(problem: dict, answer: dict, key_source: str) -> list[str]:
    """What a submission changed in the problem it answers (graded as the problem file says)."""
    notes = []
    if isinstance(answer.get("program"), str) and \
            "".join(answer["program"].split()) != "".join(problem["program"].split()):
        notes.append(f"problem {problem['id']!r}: its program is not {key_source}'s, which "
                     "is graded")
    # == compares ints with floats and nested lists entry by entry, as the point is used.
    if "at" in answer and answer["at"] != problem.get("at", {}):
        notes.append(f"problem {problem['id']!r}: its point `at` is not {key_source}'s, which "
                     "is used")
    return notes


def _grade_items(result: FileResult, problem: dict, defaults: dict, report, asked, claims,
                 gradcheck, rtol, atol) -> None:
    pid = problem["id"]
    marks = _marks(problem, defaults)
    # The command line wins, then the problem, then the file's defaults.
    p_rtol = rtol if rtol is not None else float(problem.get("rtol", defaults.get("rtol", RTOL)))
    p_atol = atol if atol is not None else float(problem.get("atol", defaults.get("atol", ATOL)))
    sigfigs = problem.get("sigfigs", defaults.get("sigfigs"))
    partial = problem.get("partial", defaults.get("partial", {}))
    share = marks / len(asked) if asked else 0.0
    for item in asked:
        correct = report.value if item == "value" else report.gradient(item[3:])
        if hasattr(correct, "ndim") and not is_array(correct):
            correct = float(correct)       # an array program's number
        if item not in claims:
            result.items.append(ItemResult(pid, item, None, correct, False, share, 0.0,
                                           "no answer"))
            continue
        answer, typed, fault = read_answer(claims[item])
        if fault:
            result.items.append(ItemResult(pid, item, None, correct, False, share, 0.0, fault,
                                           typed=typed))
            continue
        passed, interval = judge(answer, correct, p_rtol, p_atol, sigfigs)
        hint = ""
        if not passed and not typed and not sigfigs and not is_array(answer) \
                and not is_array(correct):
            hint = rounding_hint(answer, correct, p_rtol, p_atol)
        message = "the shapes differ" if not passed and (is_array(answer) or is_array(correct)) \
            and getattr(answer, "shape", ()) != getattr(correct, "shape", ()) else ""
        diagnosis = ()
        if not passed and item != "value" and not is_array(answer) and report.domain == "scalar":
            diagnosis = diagnose(report, report.node_named(item[3:]), answer, p_rtol, p_atol,
                                 sigfigs)
        earned, credited = (share, "") if passed else _partial_credit(diagnosis, partial, share)
        result.items.append(ItemResult(pid, item, answer, correct, passed, share, earned,
                                       message, interval, typed, hint, diagnosis, credited))
    if gradcheck or problem.get("gradcheck"):
        numeric = numeric_check(report)
        wrong = ", ".join(item.label for item in numeric.wrong)
        result.items.append(ItemResult(pid, "gradcheck", None, None, numeric.passed, 0.0, 0.0,
                                       f"wrong at {wrong}" if wrong else ""))


def _partial_credit(diagnosis, partial: dict, share: float) -> tuple[float, str]:
    """(marks, the mistake earning them) for a wrong answer a catalogued mistake explains: the
    best share the problem's `partial` table gives any of its diagnoses (none by default)."""
    best, kind = 0.0, ""
    for found in diagnosis:
        fraction = float(partial.get(found.kind, 0.0))
        if fraction > best:
            best, kind = fraction, found.kind
    return share * best, kind


def asked_items(problem: dict, report, source: str) -> list[str]:
    """The items a problem asks for: its `ask`, else its key's `expect`, else the value and
    every input's gradient (what `gradcli key` fills in)."""
    asked = problem.get("ask")
    if asked is None and problem.get("expect"):
        asked = list(problem["expect"])
    if asked is None:
        return ["value"] + [f"d/d{name}" for name in report.gradients]
    if not isinstance(asked, list):
        raise InputError(f"{source}: problem {problem['id']!r}: ask must be a list, like "
                         "ask = [\"value\", \"d/dx\"]")
    items = [check_item(str(item), f"{source}: problem {problem['id']!r}, ask")
             for item in asked]
    names = gradient_names(report)
    for item in items:
        if item != "value" and item[3:] not in names:
            raise InputError(f"{source}: problem {problem['id']!r}: {item} names no input or "
                             "named value of the program")
    return items


def grade_files(sources, *, hide_answers: bool = False, gradcheck: bool = False,
                rtol: float | None = None, atol: float | None = None,
                problems: ProblemSet | KeyFolder | None = None) -> list[FileResult]:
    """One FileResult per answer file: `sources` gives each file's (text, name), or
    (the error reading it, name).

    `problems`: the TA's loaded problem file (load_problems) or a KeyFolder; programs,
    points, marks and tolerances then come from it and only the answers from each file."""
    results = []
    for text, source in sources:
        if isinstance(text, GradcliError):
            results.append(unreadable(FileResult(source), text, problems))
            continue
        results.append(grade(text, source, hide_answers=hide_answers, gradcheck=gradcheck,
                             rtol=rtol, atol=atol, problems=problems))
    return results


@dataclass(frozen=True)
class ClassSummary:
    """The class line of a gradebook."""
    files: int
    passed: int            # files passing every item
    unreadable: int        # files that could not be read
    mean: float            # of the scores, 0..1
    median: float

    def to_json(self) -> dict:
        return {"files": self.files, "passed": self.passed, "unreadable": self.unreadable,
                "mean": self.mean, "median": self.median}


def summarise(results) -> ClassSummary:
    import statistics

    scores = [result.score for result in results]
    return ClassSummary(len(results), sum(1 for r in results if r.passed),
                        sum(1 for r in results if r.error is not None),
                        statistics.fmean(scores) if scores else 0.0,
                        statistics.median(scores) if scores else 0.0)
