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
    notes: list[str] = field(default_factory=list)     # unknown or missing ids, changed programs
    problem_errors: list[GradcliError] = field(default_factory=list)   # with their carets

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


def read_file(path) -> tuple[str, str]:
    """An answer or problem file's text and its name; every failure is one plain InputError."""
    source = str(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read(), source
    except FileNotFoundError:
        raise InputError(f"no such file: {source}") from None
    except IsADirectoryError:
        raise InputError(f"{source} is a directory, not a TOML file of problems") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{source} is not UTF-8 text (byte {e.start} cannot be decoded): save "
                         "it as UTF-8") from None
    except OSError as e:
        raise InputError(f"cannot read {source}: {e.strerror}") from None


_TOML_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\Z")


def _toml_error(error, text: str, source: str) -> InputError:
    """tomllib's message with its '(at line L, column C)' turned into a caret under the text."""
    from gradcli.errors import Span

    message = str(error)
    place = _TOML_PLACE.search(message)
    span = None
    if place is not None:
        message = message[:place.start()]
        line, column = int(place.group(1)), int(place.group(2))
        offset = 0
        for _ in range(line - 1):
            offset = text.find("\n", offset) + 1
        offset = min(offset + column - 1, len(text))
        span = Span(offset, offset + 1)
    elif message.endswith("(at end of document)"):
        message = message[:-len("(at end of document)")].rstrip()
        span = Span(len(text), len(text))
    message = message[:1].lower() + message[1:]
    return InputError(f"{source} is not valid TOML: {message}", span).with_source(text, source)


def _id_span(text: str, pid: str, occurrence: int):
    """Where the occurrence-th `id = "pid"` is written (for a caret), or None."""
    from gradcli.errors import Span

    pattern = re.compile(r'^[ \t]*id[ \t]*=[ \t]*(?:"|\'|)' + re.escape(pid) + r'(?:"|\'|)[ \t]*(?:#.*)?$',
                         re.MULTILINE)
    matches = list(pattern.finditer(text))
    if len(matches) < occurrence:
        return None
    match = matches[occurrence - 1]
    start = match.start() + len(match.group()) - len(match.group().lstrip())
    return Span(start, match.start() + len(match.group().split("#")[0].rstrip()))


def load(text: str, source: str, *, answers_only: bool = False) -> dict:
    """A checked problem file. `answers_only`: a submission graded with --problems, whose
    problems need only an id and their answers (program and point come from the key)."""
    try:
        return _load(text, source, answers_only)
    except GradcliError as error:
        raise error.with_source(text, source)


_PROBLEM_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*problem[ \t]*\]\]", re.MULTILINE)


def _key_span(text: str, index: int, name: str, table: str = ""):
    """Where `name = ...` is written in the index-th [[problem]] (0: the file's defaults,
    before the first), from the name to the end of its line; None if it cannot be found."""
    from gradcli.errors import Span

    headers = [m.end() for m in _PROBLEM_HEADER.finditer(text)]
    start = headers[index - 1] if 0 < index <= len(headers) else 0
    end = headers[index] if index < len(headers) else len(text)
    if index > len(headers):
        return None
    dotted = rf"(?:{re.escape(table)}[ \t]*\.[ \t]*)?" if table else ""
    pattern = re.compile(r"(?<![\w.\"'/])" + dotted + r"[\"']?" + re.escape(name)
                         + r"[\"']?[ \t]*=")
    match = pattern.search(text, start, end)
    if match is None:
        return None
    line_end = text.find("\n", match.start())
    line_end = len(text) if line_end < 0 else line_end
    return Span(match.start(), max(match.start() + 1, len(text[match.start():line_end].rstrip())
                                   + match.start()))


def _bad_setting(key: str, value) -> str | None:
    """Why a marks/rtol/atol/gradcheck value cannot be used, or None."""
    if key == "gradcheck":
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or not math.isfinite(value):
        return "must be a number >= 0"
    return None


def _load(text: str, source: str, answers_only: bool = False) -> dict:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _toml_error(e, text, source) from None
    except RecursionError:
        raise InputError(f"{source} nests arrays or tables too deeply") from None
    problems = data.get("problem")
    if not isinstance(problems, list) or not problems:
        raise InputError(f"{source} has no problems: each is a [[problem]] table with an id "
                         "and a program")
    for key in ("marks", "rtol", "atol", "gradcheck"):
        if key in data and (fault := _bad_setting(key, data[key])) is not None:
            raise InputError(f"{source}: {key} {fault}, not {data[key]!r}",
                             _key_span(text, 0, key))
    seen = set()
    for index, problem in enumerate(problems, 1):
        where = f"{source}: problem {index}"
        if not isinstance(problem, dict):
            raise InputError(f"{where} is not a table")
        pid = problem.get("id", str(index))
        if not isinstance(pid, (str, int)) or isinstance(pid, bool):
            raise InputError(f"{where}: id must be a string or an integer",
                             _key_span(text, index, "id"))
        problem["id"] = str(pid)
        where = f"{source}: problem {problem['id']!r}"
        for key in problem:
            if key not in PROBLEM_KEYS:
                raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(PROBLEM_KEYS)})",
                                 _key_span(text, index, key))
        if problem["id"] in seen:
            raise InputError(f"{where} is defined twice: each problem needs its own id",
                             _id_span(text, problem["id"], 2))
        seen.add(problem["id"])
        program = problem.get("program")
        if not isinstance(program, str) and (program is not None or not answers_only):
            hint = "" if program is not None else (
                "; an answer file graded with --problems needs only ids and answers")
            raise InputError(f"{where} has no program (a string, like program = \"(x+y)*z\")"
                             + hint, _key_span(text, index, "program"))
        for key in ("at", "expect"):
            table = problem.get(key, {})
            if not isinstance(table, dict):
                raise InputError(f"{where}: {key} must be a table, like {key} = {{x = 1}}",
                                 _key_span(text, index, key))
            for name, value in table.items():
                fault = _array_fault(value)
                if fault is not None:
                    raise InputError(f"{where}: {key}.{name} {fault}, not {value!r}",
                                     _key_span(text, index, name, key))
        for key in ("marks", "rtol", "atol", "gradcheck"):
            if key in problem and (fault := _bad_setting(key, problem[key])) is not None:
                raise InputError(f"{where}: {key} {fault}, not {problem[key]!r}",
                                 _key_span(text, index, key))
    return data


def _array_fault(value) -> str | None:
    """None for a finite TOML number or a rectangular (nested) array of them (an array
    program's binding or answer); else what is wrong with it."""
    level = [value]
    while level:
        lists = [item for item in level if isinstance(item, list)]
        if lists and len(lists) != len(level) or len({len(item) for item in lists}) > 1:
            return "is not a rectangular array (rows of different lengths)"
        if not lists:
            for item in level:
                if isinstance(item, bool) or not isinstance(item, (int, float)):
                    return "must be a number or an array of numbers"
                if not math.isfinite(item):
                    return "must be a finite number"
            return None
        level = [entry for item in lists for entry in item]
    return None


def _at_hint(error) -> None:
    """A missing input is given in the problem's `at` table, not on the command line."""
    from gradcli.report import reword_missing

    reword_missing(error, "in the problem's at table",
                   lambda names: "at = {" + ", ".join(f"{n} = 1" for n in names) + "}")


def _problem_report(problem: dict, source: str):
    from gradcli.report import compute

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
    from gradcli.expectation import check_item, evaluate, expectations_from
    from gradcli.numgrad import gradcheck as numeric_check

    pid = problem["id"]
    marks = float(problem.get("marks", defaults.get("marks", 1)))
    # The command line wins, then the problem, then the file's defaults.
    p_rtol = rtol if rtol is not None else float(problem.get("rtol", defaults.get("rtol", RTOL)))
    p_atol = atol if atol is not None else float(problem.get("atol", defaults.get("atol", ATOL)))
    try:
        report = _problem_report(problem, source)
        if key_source is None:
            asked = list(claims)
        else:
            asked = _asked_items(problem, report, key_source)
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


def _asked_items(problem: dict, report, source: str) -> list[str]:
    """The items a problem asks for: its `ask`, else its key's `expect`, else the value and
    every input's gradient (what `gradcli key` fills in)."""
    from gradcli.expectation import check_item

    asked = problem.get("ask")
    if asked is None and problem.get("expect"):
        asked = list(problem["expect"])
    if asked is None:
        return ["value"] + [f"d/d{name}" for name in report.gradients]
    if not isinstance(asked, list):
        raise InputError(f"{source}: problem {problem['id']!r}: ask must be a list, like "
                         "ask = [\"value\", \"d/dx\"]")
    return [check_item(str(item), f"{source}: problem {problem['id']!r}, ask") for item in asked]


def load_problems(path) -> tuple[dict, str]:
    """The TA's problem file for `check --problems`; any fault in it is an error (exit 2),
    including a program that does not parse or run at its point."""
    text, source = read_file(path)
    data = load(text, source)
    for problem in data["problem"]:
        try:
            report = _problem_report(problem, source)
        except GradcliError as error:
            _at_hint(error)
            error.message = f"{source}: problem {problem['id']!r}: {error.message}"
            raise
        _asked_items(problem, report, source)
    return data, source


def check(*paths, hide_answers: bool = False, gradcheck: bool = False, rtol: float | None = None,
          atol: float | None = None, problems=None) -> list[FileResult]:
    """Python API: grade answer files (paths) and return one FileResult per file.

    `problems`: the path of the TA's problem file; programs, points, marks and tolerances
    then come from it and only the answers from each file."""
    key = load_problems(problems) if problems is not None else None
    results = []
    for path in paths:
        try:
            text, source = read_file(path)
        except GradcliError as error:
            results.append(FileResult(str(path), error=error, status=int(error.exit_code)))
            continue
        results.append(grade(text, source, hide_answers=hide_answers, gradcheck=gradcheck,
                             rtol=rtol, atol=atol, problems=key))
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
            raise InputError(f"{source}: problem {problem['id']!r}: ask must be a list, like "
                             "ask = [\"value\", \"d/dx\"]")
        expect = {}
        for item in asked:
            item = check_item(str(item), f"{source}: problem {problem['id']!r}, ask")
            if item == "value":
                expect[item] = report.value
            else:
                try:
                    expect[item] = report.gradient(item[3:])
                except KeyError:
                    raise InputError(f"{source}: problem {problem['id']!r}: {item} names no input "
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
