"""engine/second: the reverse sweep over dual numbers. Every op of the table has second
derivatives (registry-driven: an op without fails here) that match differences of its
partials; Hessians of 320 random smooth expressions agree with SymPy at 30 digits; H·v is
the Hessian times v; forward-over-reverse agrees with reverse mode over the emitted backward
pass (--format python differentiated with --output dx); kinks follow the first-order
conventions."""

from __future__ import annotations

import json
import math
import random

import pytest
from _sympy_hessians import CACHE, NAMES, cases, reference
from test_ops import TEST_POINTS

from gradcli.compute import compute, compute_hessian, compute_hvp, compute_second
from gradcli.engine.second import DUAL, Dual, has_second_order
from gradcli.errors import InputError
from gradcli.lang.ops import OPS
from gradcli.render import Settings
from gradcli.render.python import render as render_python

SCALAR_OPS = {name: op for name, op in OPS.items() if op.forward is not None}


@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
def test_every_scalar_op_has_second_derivatives(name):
    assert has_second_order(OPS[name]), f"{name}: its partials have no rule to differentiate"


def test_array_only_ops_are_refused_as_arrays():
    """Ops without a scalar forward never reach the dual sweep: their programs are array
    programs, refused by --hessian in one sentence (test_arrays_views.py)."""
    assert all(not has_second_order(op) for op in OPS.values()
               if op.forward is None and op.syntax != "leaf")


CASES = [(name, point) for name in SCALAR_OPS for point in TEST_POINTS[name]]


@pytest.mark.parametrize("case", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_dual_partials_match_differences_of_the_partials(case):
    """For each argument k moved, d(partial_i)/d(arg_k) against centered differences of the
    float partials: the op table's second derivatives."""
    name, point = case
    op = OPS[name]
    dual_partials = DUAL.partial(op)
    for k in range(len(point)):
        args = [Dual(v, 1.0 if j == k else 0.0) for j, v in enumerate(point)]
        ans = DUAL.kernel(op)(*args)
        duals = dual_partials(ans, *args)
        h = 1e-6 * max(1.0, abs(point[k]))
        up, down = list(point), list(point)
        up[k] += h
        down[k] -= h
        plus = op.partials(op.forward(*up), *up)
        minus = op.partials(op.forward(*down), *down)
        for i, dual in enumerate(duals):
            assert dual.v == op.partials(op.forward(*point), *point)[i]
            numeric = (plus[i] - minus[i]) / (2 * h)
            assert math.isclose(dual.t, numeric, rel_tol=1e-5, abs_tol=1e-6), \
                f"{name}{point}: d(partial {i})/d(arg {k}) is {dual.t}, differences {numeric}"


# ------------------------------------------------------------------ against SymPy

def _sympy_cases():
    return json.loads(CACHE.read_text(encoding="utf-8"))


def test_the_sympy_references_are_the_generated_cases():
    cached = _sympy_cases()
    assert len(cached) >= 300
    assert [(c["expression"], c["point"]) for c in cached] == cases()


def test_the_sympy_references_are_sympys():
    """A sample recomputed by SymPy itself, so the file cannot drift from what SymPy says."""
    pytest.importorskip("sympy")
    for case in random.Random(0).sample(_sympy_cases(), 5):
        assert reference(case["expression"], case["point"]) == case["hessian"]


def test_hessians_agree_with_sympy():
    worst = 0.0
    for case in _sympy_cases():
        report = compute(case["expression"], shared=case["point"])
        names = list(report.graph.inputs)
        hessian = compute_hessian(report).matrix
        index = [NAMES.index(n) for n in names]
        expected = [[float(case["hessian"][a][b]) for b in index] for a in index]
        scale = max([1.0] + [abs(v) for row in expected for v in row])
        for i in range(len(names)):
            for j in range(len(names)):
                got, want = hessian[i][j], expected[i][j]
                # rtol 1e-7; an entry that cancels to about 0 is read against the matrix's scale.
                assert abs(got - want) <= 1e-7 * max(abs(want), 1e-5 * scale), \
                    (case["expression"], names[i], names[j], got, want)
                if abs(want) > 1e-5 * scale:
                    worst = max(worst, abs(got - want) / abs(want))
    assert worst < 1e-9


def test_hessian_vector_products_are_the_hessian_times_v():
    rng = random.Random(5)
    for text, point in cases()[:120]:
        report = compute(text, shared=point)
        names = list(report.graph.inputs)
        hessian = compute_hessian(report).matrix
        v = {name: rng.uniform(-2.0, 2.0) for name in names}
        product = compute_hvp(report, v).product
        scale = max([1.0] + [abs(h) for row in hessian for h in row])
        for i, name in enumerate(names):
            expected = sum(hessian[i][j] * v[names[j]] for j in range(len(names)))
            assert abs(product[name] - expected) <= 1e-12 * scale * 4, (text, name)


def test_forward_over_reverse_equals_reverse_over_the_emitted_code():
    """--format python's backward pass is a gradcli program: its gradient dx, differentiated
    by the reverse sweep, is the Hessian's row for x."""
    for text, point in cases()[:60]:
        report = compute(text, shared=point)
        names = list(report.graph.inputs)
        hessian = compute_hessian(report).matrix
        emitted = render_python(report, Settings())
        for i, name in enumerate(names):
            row = compute(emitted, output=f"d{name}")
            assert math.isclose(row.value, report.gradients[name], rel_tol=1e-13, abs_tol=1e-15)
            scale = max([1.0] + [abs(h) for h in hessian[i]])
            for j, other in enumerate(names):
                assert abs(row.gradients[other] - hessian[i][j]) <= 1e-12 * scale, \
                    (text, name, other)


def test_the_first_order_part_is_the_scalar_engines():
    text, point = cases()[7]
    report = compute(text, shared=point)
    result = compute_second(report, list(report.graph.inputs))
    assert list(result.columns) == list(report.graph.inputs)
    from gradcli.engine.second import sweep
    _, adjoints = sweep(report.graph, report.values, {0: 1.0})
    assert [a.v for a in adjoints] == list(report.grads)


# ------------------------------------------------------------------ kinks and conventions

@pytest.mark.parametrize("text, point, expected, flagged", [
    ("relu(x) * x", {"x": 1.5}, 2.0, False),
    ("relu(x) * x", {"x": -1.5}, 0.0, False),
    ("relu(x) * x", {"x": 0.0}, 0.0, True),          # relu'(0) = 0 and relu'' = 0, flagged
    ("abs(x) * x", {"x": -2.0}, -2.0, False),
    ("max(x, 0.5) ^ 2", {"x": 0.5}, 2.0, True),     # the tie goes to the first argument
    ("step(x) * x ^ 2", {"x": 1.0}, 2.0, False),
    ("sqrt(x)", {"x": 4.0}, -1 / 32, False),
    ("x ^ y", {"x": 2.0, "y": 3.0}, 12.0, False),
])
def test_second_derivatives_at_and_away_from_kinks(text, point, expected, flagged):
    report = compute(text, point)
    result = compute_hessian(report, ["x"])
    assert math.isclose(result.matrix[0][0], expected, rel_tol=1e-12, abs_tol=1e-15)
    kinds = [w["kind"] for w in result.warnings]
    assert bool({"kink", "tie"} & set(kinds)) == flagged
    assert result.warnings[:len(report.warnings)] == report.warnings


def test_an_infinite_second_derivative_is_a_warning():
    report = compute("sqrt(x) + x", {"x": 0.0})
    result = compute_hessian(report)
    assert any(w["kind"] == "nonfinite-second" for w in result.warnings)


def test_the_second_order_views_take_inputs_only():
    report = compute("q = x * y; f = q ^ 2", {"x": 1.0, "y": 2.0})
    with pytest.raises(InputError, match="'q' is not an input"):
        compute_hessian(report, ["q"])
    with pytest.raises(InputError, match="needs --wrt"):
        compute_second(report, [])
    with pytest.raises(InputError, match="--hvp: 'w' is not an input"):
        compute_hvp(report, {"w": 1.0})
