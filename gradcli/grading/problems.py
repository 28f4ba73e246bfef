"""Problem files (TOML): reading one, and checking it against the schema, every fault an
InputError with a caret under the key at fault.

    rtol = 1e-4                     # optional defaults for every problem
    [[problem]]
    id = "1a"
    program = "(x+y)*z"
    at = {x = -2, y = 5, z = -4}
    expect = {value = -12, "d/dx" = -4}
    marks = 2                       # default 1, shared equally by the problem's items

A problem file for `gradcli gen` may give its inputs as ranges or choices and constraints on
the variants it draws (grading/variants.py reads those); a student's submission may write
answers as strings ("-1/3") and top-level `student = "id"`. A byte order mark and CRLF line
ends are fine.
"""

from __future__ import annotations

import math
import re

from gradcli.checks.diagnose import KINDS
from gradcli.errors import GradcliError, InputError, Span

PROBLEM_KEYS = ("id", "program", "at", "expect", "marks", "rtol", "atol", "sigfigs", "gradcheck",
                "ask", "output", "partial")
# What `gradcli gen` reads besides: constraints on the variants it draws.
VARIANT_KEYS = ("fork", "no_kinks", "margin", "nice")
SETTINGS = ("marks", "rtol", "atol", "sigfigs", "gradcheck", "partial")


_TOML_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\Z")


def _toml_error(error, text: str, source: str) -> InputError:
    """tomllib's message with its '(at line L, column C)' turned into a caret under the text."""
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
    pattern = re.compile(r'^[ \t]*id[ \t]*=[ \t]*(?:"|\'|)' + re.escape(pid) + r'(?:"|\'|)[ \t]*(?:#.*)?$',
                         re.MULTILINE)
    matches = list(pattern.finditer(text))
    if len(matches) < occurrence:
        return None
    match = matches[occurrence - 1]
    start = match.start() + len(match.group()) - len(match.group().lstrip())
    return Span(start, match.start() + len(match.group().split("#")[0].rstrip()))


def load(text: str, source: str, *, answers_only: bool = False, template: bool = False,
         notes: list | None = None) -> dict:
    """A checked problem file. `answers_only`: a submission graded with --problems, whose
    problems need only an id and their answers (program and point come from the key); a key
    it does not know is then a note in `notes`, not an error. `template`: a file for `gradcli
    gen`, whose points are ranges and choices (checked there)."""
    text = text.removeprefix("\ufeff")
    try:
        return _load(text, source, answers_only, template, notes)
    except GradcliError as error:
        raise error.with_source(text, source)


_PROBLEM_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*problem[ \t]*\]\]", re.MULTILINE)


def _key_span(text: str, index: int, name: str, table: str = ""):
    """Where `name = ...` is written in the index-th [[problem]] (0: the file's defaults,
    before the first), from the name to the end of its line; None if it cannot be found."""
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
    """Why a marks/rtol/atol/sigfigs/gradcheck/partial value cannot be used, or None."""
    if key == "partial":
        return _bad_partial(value)
    if key in ("gradcheck", "fork", "no_kinks", "nice"):
        return None if isinstance(value, bool) else "must be true or false"
    if key == "sigfigs":
        return None if isinstance(value, int) and not isinstance(value, bool) \
            and 1 <= value <= 17 else "must be a whole number from 1 to 17"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or not math.isfinite(value):
        return "must be a number >= 0"
    return None


def _not(key: str, value) -> str:
    """`, not 'x'` after a fault; a partial table's fault names its entry already."""
    return "" if key == "partial" and isinstance(value, dict) else f", not {value!r}"


def _bad_partial(value) -> str | None:
    """`partial = {fork-dropped = 0.5}`: a share of an item's marks for a wrong answer that a
    catalogued mistake explains, per kind of mistake."""
    if not isinstance(value, dict):
        return "must be a table of mistakes and shares, like {fork-dropped = 0.5}"
    for kind, share in value.items():
        if kind not in KINDS:
            return (f"names no mistake {kind!r} (the mistakes: {', '.join(KINDS)})")
        if isinstance(share, bool) or not isinstance(share, (int, float)) \
                or not 0 <= share <= 1:
            return f"gives {kind} {share!r}: a share is a number from 0 to 1"
    return None


def _load(text: str, source: str, answers_only: bool = False, template: bool = False,
          notes: list | None = None) -> dict:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _toml_error(e, text, source) from None
    except RecursionError:
        raise InputError(f"{source} nests arrays or tables too deeply") from None
    problems = data.get("problem")
    if not isinstance(problems, list) or not problems:
        if not text.strip():
            raise InputError(f"{source} is empty")
        raise InputError(f"{source} has no problems: each is a [[problem]] table with an id "
                         + ("and its answers (expect)" if answers_only else "and a program"))
    for key in SETTINGS:
        if key in data and (fault := _bad_setting(key, data[key])) is not None:
            raise InputError(f"{source}: {key} {fault}{_not(key, data[key])}",
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
        known = PROBLEM_KEYS + VARIANT_KEYS if template else PROBLEM_KEYS
        for key in list(problem):
            if key not in known:
                if answers_only and notes is not None:
                    notes.append(f"problem {problem['id']!r}: {key!r} is not a key of a problem "
                                 "(answers go in its expect table): not graded")
                    del problem[key]
                    continue
                raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(known)})",
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
            if key == "expect" or template:
                continue        # answers are read item by item when graded; ranges by gen
            for name, value in table.items():
                fault = _array_fault(value)
                if fault is not None:
                    raise InputError(f"{where}: {key}.{name} {fault}, not {value!r}",
                                     _key_span(text, index, name, key))
        for key in SETTINGS + (VARIANT_KEYS if template else ()):
            if key in problem and (fault := _bad_setting(key, problem[key])) is not None:
                raise InputError(f"{where}: {key} {fault}{_not(key, problem[key])}",
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
