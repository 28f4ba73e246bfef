"""Checking claimed answers against gradcli's computation, optionally without revealing it.

An expectation names what it claims: `value` (the output) or `d/dNAME` (the
gradient of an input or a named intermediate, as in d/dx; `/` cannot occur in
a name, so the spelling is unambiguous). It passes when |got - expected| <= max(atol,
rtol * |expected|): relative tolerance alone would fail every answer that
should be 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gradcli.defaults import ATOL, RTOL
from gradcli.errors import GradcliError, InputError


@dataclass(frozen=True)
class Expectation:
    item: str                 # "value" or "d/dNAME", as the user wrote it
    expected: float
    typed: str = ""           # the claimed number as written (--expect value=1/3), if known

    @property
    def wrt(self) -> str | None:
        return None if self.item == "value" else self.item[3:]


@dataclass(frozen=True)
class ExpectItem:
    item: str
    expected: float
    got: float
    passed: bool
    typed: str = ""

    def texts(self, precision: int, number=None) -> tuple[str, str]:
        """The claim as typed and what gradcli got, as claim_texts spells them."""
        return claim_texts(self.expected, self.got, precision, self.passed, self.typed, number)

    @property
    def error(self) -> float:
        if is_array(self.got) or is_array(self.expected):
            return array_error(self.got, self.expected)
        return abs(self.got - self.expected)

    def to_json(self, hide_answers: bool = False) -> dict:
        out = {"item": self.item, "expected": claim_json(self.expected),
               "passed": self.passed}
        if not hide_answers:
            out["got"] = claim_json(self.got)
            out["error"] = claim_json(self.error)
        return out


@dataclass(frozen=True)
class ExpectResult:
    items: tuple[ExpectItem, ...]
    rtol: float
    atol: float

    @property
    def passed(self) -> bool:
        return all(item.passed for item in self.items)

    @property
    def failed(self) -> list[ExpectItem]:
        return [item for item in self.items if not item.passed]

    def to_json(self, hide_answers: bool = False) -> dict:
        return {"passed": self.passed, "rtol": self.rtol, "atol": self.atol,
                "items": [item.to_json(hide_answers) for item in self.items]}

    def lines(self, hide_answers: bool = False, precision: int = 6) -> list[str]:
        """One line per item for people; the tolerances follow when anything failed."""
        from gradcli.render import format_number

        width = max([len(item.item) for item in self.items] + [4])
        out = []
        for item in self.items:
            verdict = "PASS" if item.passed else "FAIL"
            expected, got = item.texts(precision)
            line = f"{verdict}  {item.item:<{width}}  expected {expected}"
            if not hide_answers:
                error = item.error
                line += (f", got {got}, "
                         + ("the shapes differ" if error == math.inf and is_array(item.expected)
                            else f"error {format_number(error, 3)}"))
            out.append(line)
        if not self.passed:
            out.append(f"{len(self.failed)} of {len(self.items)} failed (rtol {self.rtol:g}, "
                       f"atol {self.atol:g}; an item passes when")
            out.append("|got - expected| <= max(atol, rtol * |expected|))")
        return out


def claim_texts(expected, got, precision: int, passed: bool, typed: str = "",
                number=None) -> tuple[str, str]:
    """A claim and the computed number, for people. The claim is shown as typed; else (a
    TOML file's number) a failed one in its shortest exact spelling, a passed one rounded
    to `precision` like every number. A failed item's number gets as
    many significant digits as it takes to differ from the claim, so that `expected 1000.2,
    got 1000` never reads `expected 1000, got 1000`. Arrays go to `number` (default: the
    shape and a preview)."""
    from gradcli.render import format_number

    if number is None:
        from gradcli.render.circuit import number_label as number
    if is_array(expected) or is_array(got):
        return (number(expected, precision) if expected is not None else format_number(None),
                number(got, precision) if got is not None else format_number(None))
    if expected is None:
        expected_text = format_number(None)
    elif typed:
        expected_text = typed
    elif passed or not math.isfinite(expected):
        expected_text = format_number(expected, precision)
    else:
        expected_text = repr(float(expected) + 0.0).removesuffix(".0")
    if got is None:
        return expected_text, format_number(None)
    got = float(got)
    digits = precision
    got_text = format_number(got, digits)
    if not passed and expected is not None and got != expected:
        while digits < 17 and math.isfinite(got) and float(got_text) == float(expected):
            digits += 1
            got_text = format_number(got, digits)
    return expected_text, got_text


def is_array(value) -> bool:
    """An array claim or result (a numpy scalar, an array program's number, is not one)."""
    return bool(getattr(value, "ndim", 0))


def claim_json(value):
    """A claimed or computed number for JSON; an array as nested lists."""
    if is_array(value):
        from gradcli.arrays.report import _json_array

        return _json_array(value)
    from gradcli.render.machine import finite_or_string

    return finite_or_string(float(value))


def claim_repr(value) -> str:
    """Every digit, for CSV: repr of a number, nested lists (as in JSON) for an array."""
    if is_array(value):
        import json

        return json.dumps(claim_json(value))
    return repr(value)


def array_error(got, expected) -> float:
    """The largest entry-wise difference; inf when the shapes differ (a wrong shape is wrong)."""
    import numpy as np

    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return math.inf
    return float(np.max(np.abs(got - expected))) if got.size else 0.0


def arrays_close(got, expected, rtol: float, atol: float) -> bool:
    """close_enough entry by entry, and the same shape."""
    import numpy as np

    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False
    return all(close_enough(float(g), float(e), rtol, atol)
               for g, e in zip(got.flat, expected.flat))


def close_enough(got: float, expected: float, rtol: float, atol: float) -> bool:
    if math.isnan(got) or math.isnan(expected):
        return False
    if math.isinf(got) or math.isinf(expected):
        return got == expected
    return abs(got - expected) <= max(atol, rtol * abs(expected))


def parse_expectation(text: str) -> Expectation:
    """`value=-12`, `d/dx=-4`, `d/dq = 1/3`: the value may be any constant expression."""
    from gradcli.report import parse_binding_value

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
        error.message = f"in the expected {item}: {error.message}"
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
                from gradcli.arrays.files import check_array

                out.append(Expectation(str(item), check_array(value, f"the expected {item}")))
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"the expected {item} must be a number, not {value!r}")
            out.append(Expectation(str(item), float(value)))
        return out
    return [claim if isinstance(claim, Expectation) else parse_expectation(claim) for claim in claims]


def evaluate(report, expectations, rtol: float = RTOL, atol: float = ATOL) -> ExpectResult:
    """Compare each expectation with the report. A name the program lacks is bad input (exit 2)."""
    from gradcli.graph import _did_you_mean

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
                hint = _did_you_mean(claim.wrt, named)
                raise InputError(f"{claim.item}: the program has no input or named value "
                                 f"{claim.wrt!r}{hint}") from None
        if is_array(claim.expected) or is_array(got):
            # An array claim (d/dw=[2,2,2], or a key's TOML array) is checked entry by entry.
            if not is_array(claim.expected):
                raise InputError(f"{claim.item}: the program gives an array of the shape "
                                 f"{tuple(int(n) for n in got.shape)} here, and the claim is one "
                                 f"number: claim the whole array ({claim.item}=[...])")
            items.append(ExpectItem(claim.item, claim.expected, got,
                                    arrays_close(got, claim.expected, rtol, atol), claim.typed))
            continue
        if hasattr(got, "ndim"):        # an array program's number
            got = float(got)
        items.append(ExpectItem(claim.item, claim.expected, got,
                                close_enough(got, claim.expected, rtol, atol), claim.typed))
    return ExpectResult(tuple(items), rtol, atol)


def expect(program: str, claims, bindings: dict[str, float] | None = None, *,
           rtol: float = RTOL, atol: float = ATOL) -> ExpectResult:
    """Python API: `gradcli.expectation("(x+y)*z", {"value": -12, "d/dx": -4}, {"x": -2, ...})`."""
    from gradcli.report import compute

    return evaluate(compute(program, bindings), expectations_from(claims), rtol, atol)
