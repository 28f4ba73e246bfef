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
    exact_text,
    format_number,
    is_array,
    json_number,
    json_value,
    number_label,
    preview,
    shape_text,
)

# ------------------------------------------------------------------ tolerances
#
# The one pass rule of every check that compares an answer with the correct value (--expect,
# `gradcli check`): an answer passes when |answer - correct| <= tolerance(correct), where
#     tolerance = max(atol, rtol * |correct|, half a unit in the sigfigs-th digit of correct)
# (the last term only when a problem sets `sigfigs`). The accepted interval is
# [correct - tolerance, correct + tolerance]; relative alone would fail every answer of 0.


def tolerance(correct: float, rtol: float, atol: float, sigfigs: int | None = None) -> float:
    tol = max(atol, rtol * abs(correct))
    if sigfigs and correct != 0 and math.isfinite(correct):
        # A hair over half a unit: 0.00125 rounded to 2 figures is 0.0013 or 0.0012.
        tol = max(tol, 0.5 * 10.0 ** (_exponent(correct) - sigfigs + 1) * (1 + 1e-9))
    return tol


def _exponent(number: float) -> int:
    """The decimal exponent of a nonzero number's leading digit (0.0067: -3)."""
    return int(math.floor(math.log10(abs(number))))


def close_enough(answer: float, correct: float, rtol: float, atol: float,
                 sigfigs: int | None = None) -> bool:
    """The pass rule (above) for one number."""
    if math.isnan(answer) or math.isnan(correct):
        return False
    if math.isinf(answer) or math.isinf(correct):
        return answer == correct
    return abs(answer - correct) <= tolerance(correct, rtol, atol, sigfigs)


def accepted(correct: float, rtol: float, atol: float,
             sigfigs: int | None = None) -> tuple[float, float] | None:
    """The interval of answers that pass, or None for an answer that is not a finite number."""
    if not math.isfinite(correct):
        return None
    tol = tolerance(correct, rtol, atol, sigfigs)
    return correct - tol, correct + tol


def interval_texts(interval: tuple[float, float]) -> tuple[str, str]:
    """The accepted interval for people, rounded inwards at the tolerance's own digit, so that
    every number shown inside it passes: [0.0066922, 0.0066935] for 0.0066928509 ± 6.7e-7."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

    lo, hi = interval
    if lo == hi:
        return (exact_text(lo),) * 2
    unit = Decimal(1).scaleb(_exponent((hi - lo) / 2))
    shown = []
    for end, rounding in ((lo, ROUND_CEILING), (hi, ROUND_FLOOR)):
        text = format(Decimal(repr(end)).quantize(unit, rounding=rounding).normalize(), "f")
        shown.append("0" if text in ("-0", "0") else text)
    return shown[0], shown[1]


def significant_digits(number: float) -> int:
    """How many significant digits the shortest spelling of a number has (0.00669: 3,
    1200: 2)."""
    mantissa = repr(abs(float(number))).split("e")[0]
    if mantissa.endswith(".0"):
        digits = mantissa[:-2].strip("0")
    else:
        digits = mantissa.replace(".", "").lstrip("0")
    return max(len(digits), 1)


def rounding_hint(answer: float, correct: float, rtol: float, atol: float,
                  looser: str = "the problem may set sigfigs = {figures}") -> str:
    """For a failed answer that is the correct value rounded by hand ("0.00669" for
    0.0066928509), what to do about it; else ''. `looser`: the other way out, where
    {figures} is the answer's significant figures."""
    if not (math.isfinite(answer) and math.isfinite(correct)) or correct == 0 or answer == 0:
        return ""
    figures = significant_digits(answer)
    if answer == int(answer) or not close_enough(answer, correct, 0.0, 0.0, figures):
        return ""       # a whole number's zeros may all be significant: no guess
    needed = figures
    while needed < 17 and tolerance(correct, rtol, atol) < tolerance(correct, 0, 0, needed) \
            / (1 + 1e-9):
        needed += 1
    if needed > 10:
        return ""       # a tolerance no hand-rounded answer is meant to meet
    return (f"looks rounded to {figures} significant figure{'s' * (figures != 1)}: give "
            f"{needed} or more, or " + looser.format(figures=figures))


def array_error(answer, correct) -> float:
    """The largest entry-wise difference; inf when the shapes differ (a wrong shape is wrong)."""
    import numpy as np

    answer, correct = np.asarray(answer, dtype=float), np.asarray(correct, dtype=float)
    if answer.shape != correct.shape:
        return math.inf
    return float(np.max(np.abs(answer - correct))) if answer.size else 0.0


def arrays_close(answer, correct, rtol: float, atol: float, sigfigs: int | None = None) -> bool:
    """close_enough entry by entry, and the same shape."""
    import numpy as np

    answer, correct = np.asarray(answer, dtype=float), np.asarray(correct, dtype=float)
    if answer.shape != correct.shape:
        return False
    return all(close_enough(float(a), float(c), rtol, atol, sigfigs)
               for a, c in zip(answer.flat, correct.flat))


def judge(answer, correct, rtol: float, atol: float, sigfigs: int | None = None):
    """(passed, accepted interval or None) of an answer, a number or an array."""
    if is_array(answer) or is_array(correct):
        return arrays_close(answer, correct, rtol, atol, sigfigs), None
    correct = float(correct)
    return (close_enough(float(answer), correct, rtol, atol, sigfigs),
            accepted(correct, rtol, atol, sigfigs))


PASS_RULE = "|answer - correct| <= max(atol, rtol * |correct|)"


# ------------------------------------------------------------------ --expect

@dataclass(frozen=True)
class ExpectItem:
    item: str
    answer: float                 # the claim (--expect d/dx=-3)
    correct: float                # gradcli's
    passed: bool
    typed: str = ""
    accepted: tuple[float, float] | None = None
    hint: str = ""            # for a failed answer that looks rounded by hand
    # For a failed gradient: the mistakes of checks/diagnose.py that give this answer.
    diagnosis: tuple = ()

    def texts(self, precision: int, number=None) -> tuple[str, str]:
        """The answer as typed and the correct value, as claim_texts spells them."""
        return claim_texts(self.answer, self.correct, precision, self.passed, self.typed, number)

    @property
    def error(self) -> float:
        if is_array(self.correct) or is_array(self.answer):
            return array_error(self.answer, self.correct)
        return abs(self.correct - self.answer)

    def to_json(self, hide_answers: bool = False) -> dict:
        out = {"item": self.item, "answer": json_value(self.answer), "passed": self.passed}
        if not hide_answers:
            out["correct"] = json_value(self.correct)
            out["accepted"] = None if self.accepted is None else \
                [json_number(end) for end in self.accepted]
            out["error"] = json_value(self.error)
        if self.hint:
            out["hint"] = self.hint
        if not self.passed:
            out["diagnosis"] = [d.to_json() for d in self.diagnosis]
        return out


DIAGNOSIS_INDENT = 6


def diagnosis_lines(diagnosis, indent: int = DIAGNOSIS_INDENT, width: int = 80,
                    lead: str = "diagnosis") -> list[str]:
    """The simplest diagnosis as `diagnosis: KIND at NODE: what went wrong`, wrapped under its
    item; the others giving the same number after it by kind and place (JSON has their
    sentences too)."""
    import textwrap

    if not diagnosis:
        return []
    first, *others = diagnosis

    def wrap(text: str) -> list[str]:
        return textwrap.wrap(text, width, initial_indent=" " * indent,
                             subsequent_indent=" " * (indent + 2), break_on_hyphens=False,
                             break_long_words=False)

    out = wrap(f"{lead}: {first.text()}")
    if others:
        out += wrap(f"{lead} (the same number): "
                    + ", ".join(f"{d.kind} at {d.node}" for d in others))
    return out


def verdict_line(passed: bool, answer_text: str, correct_text: str | None,
                 interval: tuple[float, float] | None, hint: str = "") -> str:
    """`answered -3, correct -4, accepted [-4.0004, -3.9996]`: what a check line says after
    its item (correct_text None: the answers are hidden)."""
    line = f"answered {answer_text}"
    if correct_text is not None:
        line += f", correct {correct_text}"
        if not passed and interval is not None:
            lo, hi = interval_texts(interval)
            line += f", accepted [{lo}, {hi}]"
    if hint and not passed:
        line += f" ({hint})"
    return line


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
        """One line per item for people (a failed one's diagnoses under it); the pass rule
        follows when anything failed."""
        return [line for _, lines in self.blocks(hide_answers, precision) for line in lines]

    def blocks(self, hide_answers: bool = False,
               precision: int = 6) -> list[tuple[ExpectItem | None, list[str]]]:
        """(item, its lines) per item, the item's line first, then (None, the pass rule)."""
        width = max([len(item.item) for item in self.items] + [4])
        out: list[tuple[ExpectItem | None, list[str]]] = []
        for item in self.items:
            verdict = "PASS" if item.passed else "FAIL"
            answer, correct = item.texts(precision)
            if is_array(item.correct) and not item.passed and not hide_answers \
                    and array_error(item.answer, item.correct) == math.inf:
                correct += ", the shapes differ"
            out.append((item, [f"{verdict}  {item.item:<{width}}  "
                               + verdict_line(item.passed, answer,
                                              None if hide_answers else correct,
                                              item.accepted, item.hint)]
                        + diagnosis_lines(item.diagnosis)))
        if not self.passed:
            out.append((None, [f"{len(self.failed)} of {len(self.items)} failed (rtol "
                               f"{self.rtol:g}, atol {self.atol:g}; an answer passes when",
                               PASS_RULE + ")"]))
        return out


def claim_texts(answer, correct, precision: int, passed: bool, typed: str = "",
                number=None) -> tuple[str, str]:
    """An answer and the correct number, for people. The answer is shown as typed; else (a
    TOML file's number) a failed one in its shortest exact spelling, a passed one rounded
    to `precision` like every number. A failed item's correct value gets as many
    significant digits as it takes to differ from the answer, so that `answered 1000.2,
    correct 1000` never reads `answered 1000, correct 1000`. Arrays go to `number` (default:
    the shape and a preview)."""
    if number is None:
        number = number_label
    if is_array(answer) or is_array(correct):
        return (number(answer, precision) if answer is not None else NOT_A_NUMBER,
                number(correct, precision) if correct is not None else NOT_A_NUMBER)
    if answer is None:
        answer_text = NOT_A_NUMBER
    elif typed:
        answer_text = typed
    elif passed or not math.isfinite(answer):
        answer_text = format_number(answer, precision)
    else:
        answer_text = repr(float(answer) + 0.0).removesuffix(".0")
    if correct is None:
        return answer_text, NOT_A_NUMBER
    correct = float(correct)
    digits = precision
    correct_text = format_number(correct, digits)
    if not passed and answer is not None and correct != answer:
        while digits < 17 and math.isfinite(correct) and float(correct_text) == float(answer):
            digits += 1
            correct_text = format_number(correct, digits)
    return answer_text, correct_text



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
    order: int = 1            # 2: second derivatives against differences of the gradient

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
        if self.order != 1:
            out["order"] = self.order
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
        title = "gradient check: centered differences" if self.order == 1 else \
            "second-derivative check: centered differences of the gradient"
        out = [f"{title}, h = {self.step:g}", header]
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
    answer: float             # what the backward pass computed
    correct: float            # the true gradient
    diagnosis: tuple = ()     # a wrong gradient's mistakes (checks/diagnose.py)

    def to_json(self, show_values: bool = False) -> dict:
        out = {"variable": self.variable, "target": self.target, "line": self.line,
               "ok": self.ok}
        if show_values:
            out.update(answer=json_value(self.answer), correct=json_value(self.correct))
        if not self.ok:
            out["diagnosis"] = [d.to_json() for d in self.diagnosis]
        return out

    def texts(self, precision: int) -> str:
        """`answered A, correct C`: numbers, or the array verifier's previews with their
        shapes (one shape when both have it)."""
        if not (is_array(self.answer) or is_array(self.correct)):
            return (f"answered {format_number(float(self.answer), precision)}, "
                    f"correct {format_number(float(self.correct), precision)}")
        shapes = [shape_text(getattr(v, "shape", ())) for v in (self.answer, self.correct)]
        answer, correct = (preview(v, min(precision, 4), 16) for v in (self.answer, self.correct))
        if shapes[0] == shapes[1]:
            return f"answered {answer}, correct {correct} {shapes[1]}"
        return f"answered {answer} {shapes[0]}, correct {correct} {shapes[1]}"


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
        for g in self.gradients:
            said = diagnosis_lines(g.diagnosis, 0, lead=f"diagnosis of {g.variable}")
            if said:
                parts.append("\n".join(said))
        if show_values:
            width = max([len(g.variable) for g in self.gradients] + [4])
            for g in self.gradients:
                parts.append(f"  {'ok  ' if g.ok else 'FAIL'}  {g.variable:<{width}}  "
                             + g.texts(precision))
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


