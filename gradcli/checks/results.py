"""What the checks find, as data: claimed answers against gradcli's (--expect), analytic
gradients against centered differences (--gradcheck), a hand-written backward pass line by
line (verify). Each result has its one JSON form (`to_json`) and, as an error renders
itself, its own plain text for people (`lines`, `render`).

The tolerances live here too, so every check reads an answer the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gradcli.display import Displayable
from gradcli.errors import CheckFailed, Span
from gradcli.numbers import (
    NOT_A_NUMBER,
    format_number,
    is_array,
    json_number,
    json_value,
    number_label,
    preview,
    shape_text,
)

# ------------------------------------------------------------------ tolerances


def close_enough(got: float, expected: float, rtol: float, atol: float) -> bool:
    """|got - expected| <= max(atol, rtol * |expected|): relative alone fails answers of 0."""
    if math.isnan(got) or math.isnan(expected):
        return False
    if math.isinf(got) or math.isinf(expected):
        return got == expected
    return abs(got - expected) <= max(atol, rtol * abs(expected))


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



# ------------------------------------------------------------------ --expect

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
        out = {"item": self.item, "expected": json_value(self.expected),
               "passed": self.passed}
        if not hide_answers:
            out["got"] = json_value(self.got)
            out["error"] = json_value(self.error)
        return out


@dataclass(frozen=True)
class ExpectResult(Displayable):
    items: tuple[ExpectItem, ...]
    rtol: float
    atol: float

    def __repr__(self) -> str:
        count = len(self.items)
        if self.passed:
            return f"ExpectResult(passed=True, {count} item{'s' * (count != 1)})"
        failed = self.failed
        return (f"ExpectResult(passed=False, {len(failed)} of {count} failed: "
                f"{', '.join(item.item for item in failed)})")

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
    if number is None:
        number = number_label
    if is_array(expected) or is_array(got):
        return (number(expected, precision) if expected is not None else NOT_A_NUMBER,
                number(got, precision) if got is not None else NOT_A_NUMBER)
    if expected is None:
        expected_text = NOT_A_NUMBER
    elif typed:
        expected_text = typed
    elif passed or not math.isfinite(expected):
        expected_text = format_number(expected, precision)
    else:
        expected_text = repr(float(expected) + 0.0).removesuffix(".0")
    if got is None:
        return expected_text, NOT_A_NUMBER
    got = float(got)
    digits = precision
    got_text = format_number(got, digits)
    if not passed and expected is not None and got != expected:
        while digits < 17 and math.isfinite(got) and float(got_text) == float(expected):
            digits += 1
            got_text = format_number(got, digits)
    return expected_text, got_text



# ------------------------------------------------------------------ --gradcheck

AGREE = 1e-9

VERDICTS = ("good", "ok", "suspicious", "wrong", "kink", "undefined")


def verdict_for(rel_error: float) -> str:
    if rel_error > 1e-2:
        return "wrong"
    if rel_error >= 1e-4:
        return "suspicious"
    if rel_error >= 1e-7:
        return "ok"
    return "good"


def relative_error(analytic: float, numeric: float) -> float:
    difference = abs(analytic - numeric)
    if difference < AGREE:
        return 0.0
    return difference / max(abs(analytic), abs(numeric))


@dataclass(frozen=True)
class GradcheckItem:
    node: int
    label: str
    kind: str                 # "input" or "intermediate"
    analytic: float
    numeric: float | None     # None when x±h left the function's domain
    rel_error: float | None
    verdict: str
    note: str = ""
    shown: str = ""           # the label with its text, as the main table shows the node

    def to_json(self, hide_answers: bool = False) -> dict:
        out = {"node": self.node, "label": self.label, "kind": self.kind}
        if not hide_answers:
            out["analytic"] = json_number(self.analytic)
            out["numeric"] = json_number(self.numeric)
        out.update(rel_error=json_number(self.rel_error), verdict=self.verdict,
                   note=self.note)
        return out


@dataclass(frozen=True)
class GradcheckResult(Displayable):
    items: tuple[GradcheckItem, ...]
    step: float
    intermediates: int        # how many intermediate nodes the graph has
    checked: int              # how many of them were checked
    seed: int | None          # the sample's seed, None when every intermediate was checked
    scope: str = ""           # what an array program's sample covered (its entries), if any

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {verdict}" for verdict, n in self.counts().items() if n)
        return f"GradcheckResult(passed={self.passed}, {counts or 'nothing to check'})"

    @property
    def passed(self) -> bool:
        return not any(item.verdict == "wrong" for item in self.items)

    @property
    def wrong(self) -> list[GradcheckItem]:
        return [item for item in self.items if item.verdict == "wrong"]

    def counts(self) -> dict[str, int]:
        counts = {verdict: 0 for verdict in VERDICTS}
        for item in self.items:
            counts[item.verdict] += 1
        return counts

    def coverage(self) -> str:
        if self.scope:
            return self.scope
        if self.seed is None:
            return f"all {self.intermediates} intermediate node{'s' * (self.intermediates != 1)}"
        return (f"a sample of {self.checked} of {self.intermediates:,} intermediate nodes "
                f"(seed {self.seed})")

    def to_json(self, hide_answers: bool = False) -> dict:
        out = {"passed": self.passed, "step": self.step, "intermediates": self.intermediates,
               "checked": self.checked, "seed": self.seed, "counts": self.counts(),
               "items": [item.to_json(hide_answers) for item in self.items]}
        if self.scope:
            out["sample"] = self.scope
        return out

    def lines(self, hide_answers: bool = False, precision: int = 6) -> list[str]:
        """A fixed-width table for people, then a one-line summary."""
        def fmt(value):
            return "—" if value is None else format_number(value, precision)

        width = min(max([len(item.shown or item.label) for item in self.items] + [4]), 22)
        header = f"{'node':<{width}}"
        if not hide_answers:
            header += f"  {'analytic':>12}  {'numeric':>12}"
        header += f"  {'rel. error':>10}  verdict"
        out = [f"gradient check: centered differences, h = {self.step:g}", header]
        for item in self.items:
            name = item.shown or item.label
            name = name if len(name) <= width else name[:width - 1] + "…"
            line = f"{name:<{width}}"
            if not hide_answers:
                line += f"  {fmt(item.analytic):>12}  {fmt(item.numeric):>12}"
            error = "—" if item.rel_error is None else f"{item.rel_error:.1e}"
            line += f"  {error:>10}  {item.verdict}"
            out.append(line)
            if item.note:
                out.append(f"  ! {item.note}")
        counts = self.counts()
        summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        checked = self.scope or f"every input and {self.coverage()}"
        out.append(f"checked {checked}: {summary or 'nothing to check'}")
        return out



# ------------------------------------------------------------------ verify

REL_TOL = 1e-6
ABS_TOL = 1e-9


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


@dataclass
class Finding:
    line: int
    column: int
    name: str | None          # the gradient variable the line assigns, if any
    kind: str                 # overwrite, sign, wrong-local, missing, plus-unassigned, ...
    message: str
    span: Span | None = None

    def to_json(self) -> dict:
        return {"line": self.line, "column": self.column, "name": self.name, "kind": self.kind,
                "message": self.message}


@dataclass
class GradientCheck:
    variable: str             # dx, dfdq
    target: str               # x, q
    line: int                 # the last line that assigned it
    ok: bool
    got: float
    expected: float

    def to_json(self, show_values: bool = False) -> dict:
        out = {"variable": self.variable, "target": self.target, "line": self.line,
               "ok": self.ok}
        if show_values:
            out.update(got=json_value(self.got), expected=json_value(self.expected))
        return out

    def text(self, value, precision: int) -> str:
        """A number, or an array's preview (with its shape) for the array verifier's gradients."""
        if is_array(value):
            return f"{preview(value, precision, 22)} {shape_text(value.shape)}"
        return format_number(float(value), precision)


@dataclass
class VerifyResult(Displayable):
    filename: str | None
    source: str
    output: str
    forward_lines: tuple[int, int]
    backward_lines: tuple[int, int]
    gradients: list[GradientCheck] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)     # lines not checked; not failures

    def __repr__(self) -> str:
        names = ", ".join(g.variable for g in self.gradients)
        if self.ok:
            return f"VerifyResult(ok=True, every gradient matches: {names})"
        found = "; ".join(f"line {f.line} {f.kind}" for f in self.findings)
        return f"VerifyResult(ok=False, {len(self.findings)} found: {found})"

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_json(self, show_values: bool = False) -> dict:
        return {"file": self.filename, "ok": self.ok, "output": self.output,
                "forward_lines": list(self.forward_lines),
                "backward_lines": list(self.backward_lines),
                "gradients": [g.to_json(show_values) for g in self.gradients],
                "findings": [f.to_json() for f in self.findings],
                "notes": [f.to_json() for f in self.notes]}

    def render(self, show_values: bool = False, precision: int = 6) -> str:
        """Plain text: the findings, each at its line with a caret, then a summary."""
        import textwrap

        where = self.filename or "<program>"
        head = (f"{where}: forward pass {_line_range(*self.forward_lines)} "
                f"(output {self.output}), backward pass {_line_range(*self.backward_lines)}")
        parts = [head]
        for finding in self.findings + self.notes:
            label = "note: " if finding in self.notes else ""
            error = CheckFailed(label + finding.message, finding.span, source=self.source,
                                filename=self.filename)
            if finding.span is None:
                parts.append(textwrap.fill(label + finding.message, 80))
                continue
            located = error.render()[len("error: "):].split("\n")
            message_lines = len(located) - 3          # the place and two caret lines follow
            parts.append(textwrap.fill(" ".join(located[:message_lines]), 80))
            parts.append("\n".join(located[message_lines:]))
        if show_values:
            width = max([len(g.variable) for g in self.gradients] + [4])
            for g in self.gradients:
                parts.append(f"  {'ok  ' if g.ok else 'FAIL'}  {g.variable:<{width}}  "
                             f"got {g.text(g.got, precision)}, "
                             f"true {g.text(g.expected, precision)}")
        names = ", ".join(g.variable for g in self.gradients)
        if self.ok:
            parts.append(f"ok: every gradient matches ({names})")
        else:
            bad = ", ".join(g.variable for g in self.gradients if not g.ok) or "none"
            count = len(self.findings)
            parts.append(f"{count} problem{'s' * (count != 1)} found; gradients that differ "
                         f"from the truth: {bad}")
        return "\n".join(parts) + "\n"


def _line_range(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


