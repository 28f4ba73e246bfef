"""Answer files: problems with claimed answers, graded against gradcli's own computation.

    rtol = 1e-4                     # optional defaults for every problem
    [[problem]]
    id = "1a"
    program = "(x+y)*z"
    at = {x = -2, y = 5, z = -4}
    expect = {value = -12, "d/dx" = -4}
    marks = 2                       # default 1, shared equally by the problem's items

An item is one entry of `expect`. A problem may set rtol, atol and
`gradcheck = true`. `key` turns a problem file into an answer key by filling
in `expect` (for the items in `ask`, or the value and every input's gradient),
written back by the small TOML writer below, which covers exactly this schema.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from gradcli.errors import ExitStatus, GradcliError, InputError
from gradcli.expectation import ATOL, RTOL

PROBLEM_KEYS = ("id", "program", "at", "expect", "marks", "rtol", "atol", "gradcheck", "ask",
                "output")


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
        from gradcli.expectation import claim_json

        out = {"problem": self.problem, "item": self.item,
               "expected": None if self.expected is None else claim_json(self.expected),
               "passed": self.passed, "marks": self.marks, "earned": self.earned}
        if not hide_answers:
            out["got"] = None if self.got is None else claim_json(self.got)
        if self.message:
            out["message"] = self.message
        return out


@dataclass
class FileResult:
    """The grading of one answer file."""
    file: str
    items: list[ItemResult] = field(default_factory=list)
    error: GradcliError | None = None      # the file could not be read at all
    status: int = 0

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
                "items": [item.to_json(hide_answers) for item in self.items]}


def _tidy(marks: float) -> float:
    return round(marks, 10)


def load(text: str, source: str) -> dict:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{source} is not valid TOML: {e}") from None
    except RecursionError:
        raise InputError(f"{source} nests arrays or tables too deeply") from None
    problems = data.get("problem")
    if not isinstance(problems, list) or not problems:
        raise InputError(f"{source} has no problems: each is a [[problem]] table with an id "
                         "and a program")
    seen = set()
    for index, problem in enumerate(problems, 1):
        where = f"{source}, problem {index}"
        if not isinstance(problem, dict):
            raise InputError(f"{where} is not a table")
        for key in problem:
            if key not in PROBLEM_KEYS:
                raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(PROBLEM_KEYS)})")
        pid = problem.get("id", str(index))
        if not isinstance(pid, (str, int)) or isinstance(pid, bool):
            raise InputError(f"{where}: id must be a string or an integer")
        problem["id"] = str(pid)
        if problem["id"] in seen:
            raise InputError(f"{source}: problem id {problem['id']!r} is used twice")
        seen.add(problem["id"])
        where = f"{source}, problem {problem['id']!r}"
        if not isinstance(problem.get("program"), str):
            raise InputError(f"{where} has no program (a string, like program = \"(x+y)*z\")")
        for key in ("at", "expect"):
            table = problem.get(key, {})
            if not isinstance(table, dict):
                raise InputError(f"{where}: {key} must be a table, like {key} = {{x = 1}}")
            for name, value in table.items():
                if not _number_or_array(value):
                    raise InputError(f"{where}: {key}.{name} must be a number or an array of "
                                     f"numbers, not {value!r}")
        for key in ("marks", "rtol", "atol"):
            value = problem.get(key, data.get(key))
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or value < 0 or not math.isfinite(value)):
                raise InputError(f"{where}: {key} must be a number >= 0")
    return data


def _number_or_array(value) -> bool:
    """A TOML number, or a (nested) array of numbers: an array program's binding or answer."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, (int, float)):
            return False
    return True


def _problem_report(problem: dict, source: str):
    from gradcli.report import compute

    return compute(problem["program"],
                   {k: v if isinstance(v, list) else float(v)
                    for k, v in problem.get("at", {}).items()},
                   output=problem.get("output"), filename=f"{source} [{problem['id']}]")


def grade(text: str, source: str, *, hide_answers: bool = False, gradcheck: bool = False,
          rtol: float | None = None, atol: float | None = None) -> FileResult:
    """Grade one answer file's text. Errors in a problem fail its items; the file goes on."""
    from gradcli.expectation import evaluate, expectations_from
    from gradcli.numgrad import gradcheck as numeric_check

    result = FileResult(source)
    try:
        data = load(text, source)
    except GradcliError as error:
        result.error = error
        result.status = int(error.exit_code)
        return result
    for problem in data["problem"]:
        pid = problem["id"]
        claims = problem.get("expect", {})
        marks = float(problem.get("marks", data.get("marks", 1)))
        share = marks / len(claims) if claims else 0.0
        # The command line wins, then the problem, then the file's defaults.
        p_rtol = rtol if rtol is not None else float(problem.get("rtol", data.get("rtol", RTOL)))
        p_atol = atol if atol is not None else float(problem.get("atol", data.get("atol", ATOL)))
        try:
            report = _problem_report(problem, source)
            outcome = evaluate(report, expectations_from(claims), p_rtol, p_atol)
        except GradcliError as error:
            result.status = max(result.status, int(error.exit_code))
            message = error.message
            for item in claims or {"value": None}:
                result.items.append(ItemResult(pid, item, claims.get(item), None, False,
                                               share, 0.0, message))
            continue
        for item in outcome.items:
            result.items.append(ItemResult(pid, item.item, item.expected, item.got, item.passed,
                                           share, share if item.passed else 0.0))
        if gradcheck or problem.get("gradcheck"):
            numeric = numeric_check(report)
            wrong = ", ".join(item.label for item in numeric.wrong)
            result.items.append(ItemResult(pid, "gradcheck", None, None, numeric.passed, 0.0, 0.0,
                                           f"wrong at {wrong}" if wrong else ""))
    if not result.passed:
        result.status = max(result.status, int(ExitStatus.CHECK_FAILED))
    return result


def check(*paths, hide_answers: bool = False, gradcheck: bool = False, rtol: float | None = None,
          atol: float | None = None) -> list[FileResult]:
    """Python API: grade answer files (paths) and return one FileResult per file."""
    results = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            error = InputError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}")
            results.append(FileResult(str(path), error=error, status=int(error.exit_code)))
            continue
        results.append(grade(text, str(path), hide_answers=hide_answers, gradcheck=gradcheck,
                             rtol=rtol, atol=atol))
    return results


def make_key(text: str, source: str) -> str:
    """A problem file with every `expect` table filled in from gradcli's computation."""
    from gradcli.expectation import check_item

    data = load(text, source)
    for problem in data["problem"]:
        report = _problem_report(problem, source)
        asked = problem.pop("ask", None)
        if asked is None:
            asked = ["value"] + [f"d/d{name}" for name in report.gradients]
        if not isinstance(asked, list):
            raise InputError(f"{source}, problem {problem['id']!r}: ask must be a list, like "
                             "ask = [\"value\", \"d/dx\"]")
        expect = {}
        for item in asked:
            item = check_item(str(item), f"{source}, problem {problem['id']!r}, ask")
            if item == "value":
                expect[item] = report.value
            else:
                try:
                    expect[item] = report.gradient(item[3:])
                except KeyError:
                    raise InputError(f"{source}, problem {problem['id']!r}: {item} names no input "
                                     "or named value of the program") from None
        problem["expect"] = expect
    return dumps(data)


# ------------------------------------------------------------------ a small TOML writer

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value) -> str:
    """A value of the schema: string, bool, int, float, list, or table (written inline)."""
    if getattr(value, "ndim", None) is not None:
        value = value.tolist()      # an array program's answer: a number or nested lists
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)         # shortest text that reads back as the same float
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def dumps(data: dict) -> str:
    """Top-level keys, then one [[problem]] table each, keys in the schema's order."""
    lines = []
    for key, value in data.items():
        if key != "problem":
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for problem in data.get("problem", []):
        if lines:
            lines.append("")
        lines.append("[[problem]]")
        ordered = [k for k in PROBLEM_KEYS if k in problem] + \
            [k for k in problem if k not in PROBLEM_KEYS]
        for key in ordered:
            lines.append(f"{toml_key(key)} = {toml_value(problem[key])}")
    return "\n".join(lines) + "\n"
