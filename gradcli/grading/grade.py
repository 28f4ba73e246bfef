"""Answer files (grading/problems.py says their schema), graded against gradcli's own
computation. An item is one entry of a problem's `expect`; its marks are the problem's,
shared equally by its items. A problem may set rtol, atol and `gradcheck = true`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradcli.checks.expect import check_item, evaluate, expectations_from
from gradcli.checks.gradcheck import gradcheck as numeric_check
from gradcli.compute import compute
from gradcli.defaults import ATOL, RTOL
from gradcli.display import Displayable
from gradcli.errors import ExitStatus, GradcliError, InputError
from gradcli.grading.problems import load
from gradcli.numbers import json_value
from gradcli.program.bindings import reword_missing


@dataclass
class ItemResult:
    problem: str
    item: str
    expected: float | None
    got: float | None
    passed: bool
    marks: float
    earned: float
    message: str = ""

    def to_json(self, hide_answers: bool = False) -> dict:
        out = {"problem": self.problem, "item": self.item,
               "expected": json_value(self.expected),
               "passed": self.passed, "marks": self.marks, "earned": self.earned}
        if not hide_answers:
            out["got"] = json_value(self.got)
        if self.message:
            out["message"] = self.message
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
        return sum(item.marks for item in self.items)

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
        if self.error is not None:
            return {"file": self.file, "error": self.error.to_json()}
        return {"file": self.file, "passed": self.passed, "earned": _tidy(self.earned),
                "possible": _tidy(self.possible), "score": self.score,
                "items": [item.to_json(hide_answers) for item in self.items],
                "notes": list(self.notes)}


def _tidy(marks: float) -> float:
    return round(marks, 10)


def _at_hint(error) -> None:
    """A missing input is given in the problem's `at` table, not on the command line."""
    reword_missing(error, "in the problem's at table",
                   lambda names: "at = {" + ", ".join(f"{n} = 1" for n in names) + "}")


def problem_report(problem: dict, source: str):
    """The report of a problem's program at its point `at`."""
    return compute(problem["program"],
                   {k: v if isinstance(v, list) else float(v)
                    for k, v in problem.get("at", {}).items()},
                   output=problem.get("output"), filename=f"{source} [{problem['id']}]")


def grade(text: str, source: str, *, hide_answers: bool = False, gradcheck: bool = False,
          rtol: float | None = None, atol: float | None = None,
          problems: tuple[dict, str] | None = None) -> FileResult:
    """Grade one answer file's text. Errors in a problem fail its items; the file goes on.

    Without `problems`, each problem is graded against the program and point written in
    the same file. With `problems` (the TA's loaded file and its name), programs, points,
    marks, tolerances and the items asked come from there, and only the answers (`expect`)
    from this file, matched by problem id."""
    result = FileResult(source)
    try:
        data = load(text, source, answers_only=problems is not None)
    except GradcliError as error:
        result.error = error
        result.status = int(error.exit_code)
        return result
    if problems is None:
        if not any(problem.get("expect") for problem in data["problem"]):
            error = InputError(f"{source} has no answers to grade: no problem has an expect "
                               "table, like expect = {value = -12, \"d/dx\" = -4}")
            result.error, result.status = error, int(error.exit_code)
            return result
        work = [(problem, problem.get("expect", {}), data, None) for problem in data["problem"]]
    else:
        key, key_source = problems
        answers = {problem["id"]: problem for problem in data["problem"]}
        known = {problem["id"] for problem in key["problem"]}
        for pid in answers:
            if pid not in known:
                result.notes.append(f"problem {pid!r} is not in {key_source}: not graded")
        work = []
        for problem in key["problem"]:
            answer = answers.get(problem["id"])
            if answer is None:
                result.notes.append(f"problem {problem['id']!r} is missing: no answer in "
                                    f"{source}")
            else:
                result.notes += _differences(problem, answer, key_source)
            work.append((problem, {} if answer is None else answer.get("expect", {}), key,
                         key_source))
    for problem, claims, defaults, key_source in work:
        _grade_problem(result, problem, claims, defaults, key_source or source, key_source,
                       gradcheck, rtol, atol)
    if not result.passed:
        result.status = max(result.status, int(ExitStatus.CHECK_FAILED))
    return result


def _differences(problem: dict, answer: dict, key_source: str) -> list[str]:
    """What a submission changed in the problem it answers (graded as the problem file says)."""
    notes = []
    if "program" in answer and \
            "".join(answer["program"].split()) != "".join(problem["program"].split()):
        notes.append(f"problem {problem['id']!r}: its program is not {key_source}'s, which "
                     "is graded")
    # == compares ints with floats and nested lists entry by entry, as the point is used.
    if "at" in answer and answer["at"] != problem.get("at", {}):
        notes.append(f"problem {problem['id']!r}: its point `at` is not {key_source}'s, which "
                     "is used")
    return notes


def _grade_problem(result: FileResult, problem: dict, claims: dict, defaults: dict,
                   source: str, key_source: str | None, gradcheck, rtol, atol) -> None:
    pid = problem["id"]
    marks = float(problem.get("marks", defaults.get("marks", 1)))
    # The command line wins, then the problem, then the file's defaults.
    p_rtol = rtol if rtol is not None else float(problem.get("rtol", defaults.get("rtol", RTOL)))
    p_atol = atol if atol is not None else float(problem.get("atol", defaults.get("atol", ATOL)))
    try:
        report = problem_report(problem, source)
        if key_source is None:
            asked = list(claims)
        else:
            asked = asked_items(problem, report, key_source)
        for item in claims:
            check_item(str(item), f"{result.file}: problem {pid!r}, expect")
    except GradcliError as error:
        _at_hint(error)
        message = error.message
        if not message.startswith(f"{source}: problem "):
            error.message = f"{source}: problem {pid!r}: {message}"
        if key_source is not None:
            raise           # the problem file itself is broken: nothing can be graded
        result.status = max(result.status, int(error.exit_code))
        result.problem_errors.append(error)
        share = marks / len(claims) if claims else 0.0
        for item in claims or {"value": None}:
            result.items.append(ItemResult(pid, item, claims.get(item), None, False,
                                           share, 0.0, message))
        return
    share = marks / len(asked) if asked else 0.0
    answered = {item: claims[item] for item in asked if item in claims}
    try:
        outcome = evaluate(report, expectations_from(answered), p_rtol, p_atol)
    except GradcliError as error:
        result.status = max(result.status, int(error.exit_code))
        for item in asked:
            result.items.append(ItemResult(pid, item, answered.get(item), None, False, share,
                                           0.0, error.message))
        return
    graded = {item.item: item for item in outcome.items}
    for item in asked:
        if item not in graded:
            result.items.append(ItemResult(pid, item, None, None, False, share, 0.0,
                                           "no answer"))
            continue
        got = graded[item]
        result.items.append(ItemResult(pid, item, got.expected, got.got, got.passed, share,
                                       share if got.passed else 0.0))
    if gradcheck or problem.get("gradcheck"):
        numeric = numeric_check(report)
        wrong = ", ".join(item.label for item in numeric.wrong)
        result.items.append(ItemResult(pid, "gradcheck", None, None, numeric.passed, 0.0, 0.0,
                                       f"wrong at {wrong}" if wrong else ""))


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
    return [check_item(str(item), f"{source}: problem {problem['id']!r}, ask") for item in asked]


def load_problems(text: str, source: str) -> tuple[dict, str]:
    """The TA's problem file for `check --problems`; any fault in it is an error (exit 2),
    including a program that does not parse or run at its point."""
    data = load(text, source)
    for problem in data["problem"]:
        try:
            report = problem_report(problem, source)
        except GradcliError as error:
            _at_hint(error)
            error.message = f"{source}: problem {problem['id']!r}: {error.message}"
            raise
        asked_items(problem, report, source)
    return data, source


def grade_files(sources, *, hide_answers: bool = False, gradcheck: bool = False,
                rtol: float | None = None, atol: float | None = None,
                problems: tuple[dict, str] | None = None) -> list[FileResult]:
    """One FileResult per answer file: `sources` gives each file's (text, name), or
    (the error reading it, name).

    `problems`: the TA's loaded problem file and its name (load_problems); programs, points,
    marks and tolerances then come from it and only the answers from each file."""
    results = []
    for text, source in sources:
        if isinstance(text, GradcliError):
            results.append(FileResult(source, error=text, status=int(text.exit_code)))
            continue
        results.append(grade(text, source, hide_answers=hide_answers, gradcheck=gradcheck,
                             rtol=rtol, atol=atol, problems=problems))
    return results
