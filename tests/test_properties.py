"""Hypothesis properties of the reverse sweep over random programs built from every op of the
table: the gradients equal central differences, and the gradient is linear. (Other properties
sit with their subjects: printing and parsing in test_printer.py, forward mode in
test_forward_mode.py, random input to the command line in test_cli_robustness.py.)"""

from __future__ import annotations

import math

from _strategies import bound, expression_trees, grad_or_reject, names_in, points
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcli.engine.scalar import values_at as forward
from gradcli.errors import GradcliError
from gradcli.lang.printer import to_text

SETTINGS = settings(deadline=None, max_examples=100,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# ------------------------------------------------------------------ reverse equals numeric

@SETTINGS
@given(expression_trees, points)
def test_reverse_sweep_equals_central_differences(expr, point):
    text = to_text(expr)
    bindings = bound(expr, point)
    assume(bindings)
    result = grad_or_reject(text, bindings)
    assume(result is not None)
    assume(not result.warnings)                         # kinks, ties, infinite slopes
    graph = result.graph

    def f(values: dict[str, float]) -> float:
        return forward(graph, values)[graph.output]

    for name, analytic in result.gradients.items():
        assume(math.isfinite(analytic) and abs(analytic) < 1e6)
        x = bindings[name]
        h = 1e-6 * max(1.0, abs(x))
        try:
            up = f({**bindings, name: x + h})
            down = f({**bindings, name: x - h})
        except GradcliError:
            assume(False)
        numeric = (up - down) / (2 * h)
        here = result.value
        # Rounding in f itself, magnified by 1/h: a + sinh(exp(3)) loses digits of a.
        rounding = 8 * 2.0 ** -52 * max(abs(up), abs(down), abs(here)) / h
        # One-sided slopes must agree, or a kink or jump lies within h and nothing can be judged.
        assume(math.isclose((up - here) / h, (here - down) / h, rel_tol=1e-3,
                            abs_tol=1e-4 + 2 * rounding))
        assert math.isclose(analytic, numeric, rel_tol=1e-4, abs_tol=1e-6 + rounding), (
            f"{text} at {bindings}: d/d{name} analytic {analytic!r}, numeric {numeric!r}")


# ------------------------------------------------------------------ print → parse round trip


# ------------------------------------------------------------------ linearity

@SETTINGS
@given(expression_trees, expression_trees, points,
       st.sampled_from([-2.0, -0.5, 1.0, 3.0]), st.sampled_from([-1.0, 0.25, 2.0]))
def test_gradient_is_linear(f, g, point, alpha, beta):
    tf, tg = to_text(f), to_text(g)
    combined = f"{alpha!r} * ({tf}) + {beta!r} * ({tg})"
    names = names_in(f) | names_in(g)
    assume(names)
    rf = grad_or_reject(tf, bound(f, point)) if names_in(f) else None
    rg = grad_or_reject(tg, bound(g, point)) if names_in(g) else None
    assume((rf is not None or not names_in(f)) and (rg is not None or not names_in(g)))
    rh = grad_or_reject(combined, {n: point[n] for n in names})
    assume(rh is not None)
    # Sums of large contributions that cancel keep only their absolute rounding error.
    scale = max([1.0] + [abs(rh.grads[i] * rh.local[e]) for i in range(len(rh.graph))
                         for e in range(rh.graph.arg_start[i], rh.graph.arg_start[i + 1])
                         if math.isfinite(rh.grads[i] * rh.local[e])])
    for name in names:
        df = rf.gradients.get(name, 0.0) if rf else 0.0
        dg = rg.gradients.get(name, 0.0) if rg else 0.0
        expected = alpha * df + beta * dg
        assume(math.isfinite(expected) and math.isfinite(rh.gradients[name]))
        assert math.isclose(rh.gradients[name], expected, rel_tol=1e-9, abs_tol=1e-13 * scale), (
            f"{combined}: d/d{name} {rh.gradients[name]!r} != {expected!r}")
