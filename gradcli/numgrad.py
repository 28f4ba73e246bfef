"""Numerical gradient check: analytic gradients against centered differences (CS231n's method).

f'(x) ≈ (f(x+h) - f(x-h)) / 2h. The relative error |a - n| / max(|a|, |n|)
is read with the note's thresholds: > 1e-2 wrong, 1e-4..1e-2 suspicious,
1e-7..1e-4 ok (normal near kinks), < 1e-7 good; |a - n| < 1e-9 counts as
agreement, since a relative error between two tiny numbers means nothing.

Every input is checked, and every intermediate node in a small graph; a large
graph gets a seeded sample of at most SAMPLE_LIMIT intermediates, reported
with its seed so a run can be repeated. When a piecewise op (relu, abs, max,
min, ...) takes a different branch at x-h than at x+h, the difference
quotient straddles a kink and is not a derivative: the verdict says so
instead of calling the gradient wrong. Only "wrong" fails the check.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

from gradcli.defaults import SAMPLE_LIMIT, SEED, STEP
from gradcli.errors import InputError

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
        from gradcli.render.machine import finite_or_string

        out = {"node": self.node, "label": self.label, "kind": self.kind}
        if not hide_answers:
            out["analytic"] = finite_or_string(self.analytic)
            out["numeric"] = finite_or_string(self.numeric)
        out.update(rel_error=finite_or_string(self.rel_error), verdict=self.verdict,
                   note=self.note)
        return out


@dataclass(frozen=True)
class GradcheckResult:
    items: tuple[GradcheckItem, ...]
    step: float
    intermediates: int        # how many intermediate nodes the graph has
    checked: int              # how many of them were checked
    seed: int | None          # the sample's seed, None when every intermediate was checked
    scope: str = ""           # what an array program's sample covered (its entries), if any

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
        from gradcli.render import format_number

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


def gradcheck(report, step: float = STEP, *, seed: int = SEED,
              limit: int = SAMPLE_LIMIT) -> GradcheckResult:
    """Check a finished report's gradients numerically at its own point."""
    import random

    if not (math.isfinite(step) and step > 0):
        raise InputError("--step must be a positive number, like 1e-5")
    if getattr(report, "arrays", False):
        from gradcli.arrays.numgrad import gradcheck_arrays

        return gradcheck_arrays(report, step, seed=seed)
    graph = report.graph
    inputs = list(graph.inputs.values())
    leaves = {"input", "const"}
    intermediates = [i for i in range(len(graph.ops))
                     if graph.requires_grad[i] and graph.ops[i].name not in leaves
                     and i != graph.output]
    chosen_seed = None
    if len(intermediates) > limit:
        chosen_seed = seed
        intermediates = sorted(random.Random(seed).sample(intermediates, limit))
    checker = _Checker(report, step)
    items = [checker.check(node, "input") for node in inputs]
    items += [checker.check(node, "intermediate") for node in intermediates]
    total = sum(1 for i in range(len(graph.ops))
                if graph.requires_grad[i] and graph.ops[i].name not in leaves and i != graph.output)
    return GradcheckResult(tuple(items), step, total, len(intermediates), chosen_seed)


def shown_label(graph, node: int) -> str:
    """A node's label, with its text where the label is a bare #id, as the main table shows it."""
    from gradcli.report import label, node_text

    name = label(graph, node)
    if name.startswith("#") and graph.names[node] is None:
        return f"{name} {node_text(graph, node, limit=16, compact=True)}"
    return name


class _Checker:
    def __init__(self, report, step: float):
        self.report = report
        self.graph = report.graph
        self.step = step
        self.piecewise = [i for i, op in enumerate(self.graph.ops) if op.branch is not None]

    def check(self, node: int, kind: str) -> GradcheckItem:
        from gradcli.report import label
        from gradcli.sweep import _FAILURES

        graph, h = self.graph, self.step
        analytic = self.report.grads[node]
        name = label(graph, node)
        shown = shown_label(graph, node)
        center = self.report.values[node]
        try:
            plus = self._perturbed(node, center + h)
            minus = self._perturbed(node, center - h)
        except _FAILURES:
            return GradcheckItem(node, name, kind, analytic, None, None, "undefined",
                                 f"{shown} ± h leaves the function's domain", shown)
        out = graph.output
        numeric = (plus[out] - minus[out]) / (2 * h)
        if not (math.isfinite(numeric) and math.isfinite(analytic)):
            return GradcheckItem(node, name, kind, analytic, numeric, None, "undefined",
                                 "the gradient is not a finite number here", shown)
        error = relative_error(analytic, numeric)
        verdict = verdict_for(error)
        crossed = self._kink_between(minus, plus, node)
        if crossed is not None and verdict != "good":
            return GradcheckItem(node, name, kind, analytic, numeric, error, "kink",
                                 f"{crossed} switches branch between {name}-h and {name}+h: "
                                 "a kink, not a wrong gradient", shown)
        return GradcheckItem(node, name, kind, analytic, numeric, error, verdict, shown=shown)

    def _perturbed(self, node: int, value: float) -> array:
        """Every value after setting `node` to `value` and sweeping forward from there."""
        values = array("d", self.report.values)
        values[node] = value
        graph = self.graph
        ops, starts, ids = graph.ops, graph.arg_start, graph.arg_ids
        for i in range(node + 1, graph.output + 1):
            s, e = starts[i], starts[i + 1]
            if s == e:
                continue
            result = ops[i].forward(*[values[j] for j in ids[s:e]])
            if not math.isfinite(result):
                raise OverflowError
            values[i] = result
        return values

    def _kink_between(self, minus: array, plus: array, node: int) -> str | None:
        from gradcli.report import label

        graph = self.graph
        for i in self.piecewise:
            if i < node:
                continue
            op = graph.ops[i]
            args = graph.args(i)
            if i == node:
                continue
            before = op.branch(minus[i], *[minus[j] for j in args])
            after = op.branch(plus[i], *[plus[j] for j in args])
            if before != after:
                return shown_label(graph, i)
        return None
