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
from gradcli.compute import compute_hessian
from gradcli.defaults import SAMPLE_LIMIT, SEED, STEP
from gradcli.engine.scalar import FLOAT
from gradcli.engine.sweep import forward, reverse
from gradcli.errors import InputError, MathError
from gradcli.lang.ops import CONST, INPUT
from gradcli.lazy import load
from gradcli.program.graph import label, shown_label
from gradcli.program.scalar_only import refuse_arrays

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


def second_order_check(report, step: float = STEP) -> GradcheckResult:
    """--gradcheck --order 2: each second derivative ∂²f/∂x∂y (y at or after x) against
    (∂f/∂x at y+h - ∂f/∂x at y-h) / 2h, the analytic gradient differenced."""
    if not (math.isfinite(step) and step > 0):
        raise InputError("--step must be a positive number, like 1e-5")
    if report.domain != "scalar":
        raise refuse_arrays("--gradcheck --order 2", report)
    hessian = compute_hessian(report)
    graph = report.graph
    names = hessian.names
    checker = _Checker(report, step)
    out = graph.output_name
    items = []
    for j, column in enumerate(names):
        node = graph.inputs[column]
        center = report.values[node]
        try:
            plus = checker._perturbed(node, center + step)
            minus = checker._perturbed(node, center - step)
            up = reverse(graph, FLOAT, plus)[0]
            down = reverse(graph, FLOAT, minus)[0]
        except (MathError, ArithmeticError, ValueError):
            plus = None
        crossed = None if plus is None else checker._kink_between(minus, plus, node)
        for i in range(j + 1):
            row = names[i]
            name = f"∂²{out}/∂{row}∂{column}" if row != column else f"∂²{out}/∂{row}²"
            analytic = hessian.matrix[i][j]
            if plus is None:
                items.append(GradcheckItem(node, name, "second", analytic, None, None,
                                           "undefined", f"{column} ± h leaves the function's "
                                           "domain", name))
                continue
            target = graph.inputs[row]
            numeric = (up[target] - down[target]) / (2 * step)
            if not (math.isfinite(numeric) and math.isfinite(analytic)):
                items.append(GradcheckItem(node, name, "second", analytic, numeric, None,
                                           "undefined", "the second derivative is not a finite "
                                           "number here", name))
                continue
            error = relative_error(analytic, numeric)
            verdict = verdict_for(error)
            if crossed is not None and verdict != "good":
                items.append(GradcheckItem(node, name, "second", analytic, numeric, error,
                                           "kink", f"{crossed} switches branch between "
                                           f"{column}-h and {column}+h: a kink, not a wrong "
                                           "derivative", name))
                continue
            items.append(GradcheckItem(node, name, "second", analytic, numeric, error, verdict,
                                       shown=name))
    count = len(items)
    scope = (f"the {count} second derivative{'s' * (count != 1)} of {len(names)} "
             f"input{'s' * (len(names) != 1)} (the Hessian is symmetric)")
    return GradcheckResult(tuple(items), step, 0, 0, None, scope=scope, order=2)
