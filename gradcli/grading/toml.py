"""A small TOML writer covering exactly the problem-file schema: strings, booleans,
numbers (floats in their shortest exact form), arrays and inline tables, with the
[[problem]] keys in the schema's order."""

from __future__ import annotations

import math
import re

from gradcli.grading.problems import PROBLEM_KEYS

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
