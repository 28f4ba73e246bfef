"""Checking claimed answers against gradcli's computation, optionally without revealing it.

An expectation names what it claims: `value` (the output) or `d/dNAME` (the
gradient of an input or a named intermediate, as in d/dx; `/` cannot occur in
a name, so the spelling is unambiguous). It passes by the one rule of checks/results.py:
|answer - correct| <= max(atol, rtol * |correct|).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from gradcli.checks.diagnose import diagnose
from gradcli.checks.results import ExpectItem, ExpectResult, judge, rounding_hint
from gradcli.compute import as_array, parse_binding_value
from gradcli.defaults import ATOL, RTOL
from gradcli.errors import GradcliError, InputError, did_you_mean
from gradcli.numbers import is_array

# A claim written as a plain decimal (not 1/3, not pi/2): the only kind a rounding hint fits.
_PLAIN_DECIMAL = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


@dataclass(frozen=True)
class Expectation:
    item: str                 # "value" or "d/dNAME", as the user wrote it
    answer: float
    typed: str = ""           # the claimed number as written (--expect value=1/3), if known

    @property
    def wrt(self) -> str | None:
        return None if self.item == "value" else self.item[3:]


def parse_expectation(text: str) -> Expectation:
    """`value=-12`, `d/dx=-4`, `d/dq = 1/3`: the value may be any constant expression."""
    item, sep, value_text = text.partition("=")
    item = item.strip()
    if not sep or not value_text.strip():
        raise InputError(f"--expect {text!r}: write ITEM=NUMBER, like value=-12 or d/dx=-4")
    return Expectation(check_item(item, f"--expect {text!r}"),
                       _number(value_text.strip(), item, parse_binding_value), value_text.strip())


def check_item(item: str, where: str) -> str:
    if item == "value":
        return item
    if item.startswith("d/d") and item[3:].isidentifier() and item[3:].isascii():
        return item
    raise InputError(f"{where}: {item!r} is not 'value' or 'd/dNAME' (the gradient of an input "
                     "or a named value, like d/dx)")


def _number(text: str, item: str, parse_value) -> float:
    try:
        value = parse_value(text)
    except GradcliError as error:
        error.message = f"in the answer {item}: {error.message}"
        raise
    return value


def expectations_from(claims) -> list[Expectation]:
    """Expectations from a dict {item: number} (the Python API and check files) or a list of them."""
    if isinstance(claims, dict):
        out = []
        for item, value in claims.items():
            check_item(str(item), "expect")
            if isinstance(value, (list, tuple)) or is_array(value):
                # An array answer (a check file's nested list): the same checks as a binding.
                out.append(Expectation(str(item), as_array(value, f"the answer {item}")))
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"the answer {item} must be a number, not {value!r}")
            out.append(Expectation(str(item), float(value)))
        return out
    return [claim if isinstance(claim, Expectation) else parse_expectation(claim) for claim in claims]


def evaluate(report, expectations, rtol: float = RTOL, atol: float = ATOL) -> ExpectResult:
    """Compare each expectation with the report. A name the program lacks is bad input (exit 2)."""
    if rtol < 0 or atol < 0 or not (math.isfinite(rtol) and math.isfinite(atol)):
        raise InputError("--rtol and --atol must be finite and >= 0")
    items = []
    for claim in expectations:
        if claim.wrt is None:
            got = report.value
        else:
            try:
                got = report.gradient(claim.wrt)
            except KeyError:
                named = [n for n in report.graph.names if n is not None]
                hint = did_you_mean(claim.wrt, named)
                raise InputError(f"{claim.item}: the program has no input or named value "
                                 f"{claim.wrt!r}{hint}") from None
        if is_array(got) and not is_array(claim.answer):
            # An array claim (d/dw=[2,2,2], or a key's TOML array) is checked entry by entry.
            raise InputError(f"{claim.item}: the program gives an array of the shape "
                             f"{tuple(int(n) for n in got.shape)} here, and the claim is one "
                             f"number: claim the whole array ({claim.item}=[...])")
        if hasattr(got, "ndim") and not is_array(got):        # an array program's number
            got = float(got)
        passed, interval = judge(claim.answer, got, rtol, atol)
        hint = ""
        if not passed and not is_array(got) and _PLAIN_DECIMAL.fullmatch(claim.typed or "0"):
            hint = rounding_hint(float(claim.answer), float(got), rtol, atol,
                                 "a larger --rtol")
        diagnosis = ()
        if not passed and claim.wrt is not None and report.domain == "scalar":
            diagnosis = diagnose(report, report.node_named(claim.wrt), claim.answer, rtol, atol)
        items.append(ExpectItem(claim.item, claim.answer, got, passed, claim.typed, interval,
                                hint, diagnosis))
    return ExpectResult(tuple(items), rtol, atol)
