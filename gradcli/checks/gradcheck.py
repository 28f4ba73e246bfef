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
import random
from array import array

from gradcli.checks.results import GradcheckItem, GradcheckResult, relative_error, verdict_for
from gradcli.defaults import SAMPLE_LIMIT, SEED, STEP
from gradcli.engine.scalar import FLOAT
from gradcli.engine.sweep import forward
from gradcli.errors import InputError, MathError
from gradcli.lang.ops import CONST, INPUT
from gradcli.lazy import load
from gradcli.program.graph import label, shown_label

# Checks of the other value domains, loaded with the engine they check.
BY_DOMAIN = {"array": "gradcli.checks.gradcheck_arrays:gradcheck_arrays"}

def gradcheck(report, step: float = STEP, *, seed: int = SEED,
              limit: int = SAMPLE_LIMIT) -> GradcheckResult:
    """Check a finished report's gradients numerically at its own point."""
    if not (math.isfinite(step) and step > 0):
        raise InputError("--step must be a positive number, like 1e-5")
    if report.domain in BY_DOMAIN:
        return load(BY_DOMAIN[report.domain])(report, step, seed=seed)
    graph = report.graph
    inputs = list(graph.inputs.values())
    leaves = (INPUT, CONST)
    intermediates = [i for i in range(len(graph.ops))
                     if graph.requires_grad[i] and graph.ops[i] not in leaves
                     and i != graph.output]
    chosen_seed = None
    if len(intermediates) > limit:
        chosen_seed = seed
        intermediates = sorted(random.Random(seed).sample(intermediates, limit))
    checker = _Checker(report, step)
    items = [checker.check(node, "input") for node in inputs]
    items += [checker.check(node, "intermediate") for node in intermediates]
    total = sum(1 for i in range(len(graph.ops))
                if graph.requires_grad[i] and graph.ops[i] not in leaves and i != graph.output)
    return GradcheckResult(tuple(items), step, total, len(intermediates), chosen_seed)


class _Checker:
    def __init__(self, report, step: float):
        self.report = report
        self.graph = report.graph
        self.step = step
        self.piecewise = [i for i, op in enumerate(self.graph.ops) if op.branch is not None]
        self.kernels = FLOAT.kernels(self.graph)

    def check(self, node: int, kind: str) -> GradcheckItem:
        graph, h = self.graph, self.step
        analytic = self.report.grads[node]
        name = label(graph, node)
        shown = shown_label(graph, node)
        center = self.report.values[node]
        try:
            plus = self._perturbed(node, center + h)
            minus = self._perturbed(node, center - h)
        except MathError:
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
        forward(graph, FLOAT, values, start=node + 1, stop=graph.output, kernels=self.kernels)
        if not math.isfinite(sum(values[node + 1:graph.output + 1])):
            raise MathError("the perturbed value is not a finite number")
        return values

    def _kink_between(self, minus: array, plus: array, node: int) -> str | None:
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
