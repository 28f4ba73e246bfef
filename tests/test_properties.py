"""Hypothesis properties over random expressions built from the op table.

Reverse-mode gradients equal central differences; the gradient is linear; and no text
at all makes the CLI crash (exit 70) or print a traceback.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcli.errors import GradcliError
from gradcli.lang.printer import to_text
from gradcli.engine.scalar import values_at as forward

from _strategies import bound, expression_trees, grad_or_reject, names_in, points

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


# ------------------------------------------------------------------ the CLI never crashes

def run_main(argv: list[str]) -> tuple[int, str, str]:
    from gradcli.cli import main

    out, err = io.StringIO(), io.StringIO()
    terminal = io.StringIO("")
    terminal.isatty = lambda: True      # as at a prompt: nothing is piped in
    saved = sys.stdin
    sys.stdin = terminal
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    finally:
        sys.stdin = saved
    return status, out.getvalue(), err.getvalue()


def assert_clean(status: int, out: str, err: str) -> None:
    assert status in (0, 2, 3), (status, err)
    assert "Traceback" not in err and "Traceback" not in out
    if status:
        assert err.startswith("error: ") and len(err.strip().split("\n")) <= 4, err


TOKENS = ["x", "y", "w0", "2", "0", ".5", "1e-3", "1e999", "3.", "+", "-", "*", "/", "^", "**",
          "(", ")", "[", "]", ",", ";", "\n", "\r\n", "=", "+=", ".", ":", "#", "# c", "\\\n",
          "exp", "log", "sqrt", "max", "min", "pow", "sigmoid", "relu", "abs", "asin", "math",
          "np", "numpy", "pi", "e", "import", "as", "print", "def", "return", "lambda", "if",
          "−", "×", "²", "√", "\u00a0", "ｘ", "[bold]", "[/]", "\x1b", "\x00", "'", "@", "\t",
          "*", "axis", "f", "q", "sinn"]

soups = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map(
    lambda parts: " ".join(parts))
bindings_tokens = st.lists(st.sampled_from(["x=1", "y=-2", "w0=0", "x=pi/2", "q=1", "x=",
                                            "y=1/0", "x=1e999", "z", "x=1", "e=2", "f=3"]),
                           max_size=4)


@settings(deadline=None, max_examples=150)
@given(soups, bindings_tokens)
def test_token_soups_never_crash(text, extra):
    assert_clean(*run_main(["--", text, *extra]))


@settings(deadline=None, max_examples=150)
@given(st.text(max_size=40), bindings_tokens)
def test_random_text_never_crashes(text, extra):
    assert_clean(*run_main(["--", text, *extra]))


@settings(deadline=None, max_examples=60)
@given(soups, st.sampled_from(["json", "csv", "markdown", "table"]))
def test_token_soups_in_every_format(text, fmt):
    status, out, err = run_main(["--format", fmt, "--", text, "x=1", "y=2"])
    assert_clean(status, out, err)
    if fmt == "json":
        import json

        data = json.loads(out, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        assert ("error" in data) == (status != 0)


@settings(deadline=None, max_examples=80)
@given(st.text(max_size=20))
def test_random_binding_values_never_crash(value):
    assert_clean(*run_main(["x*2", f"x={value}"]))
