"""lang/ops, the op table: every op's local partials against central differences, its symbolic
rule against its partials, its value and partials against mpmath over its whole range (within
4 ulp wherever the true value is a normal float64), and the conventions at kinks, ties and
jumps (comparisons' masks included).

An op added to gradcli.lang.ops.OPS without an entry in TEST_POINTS fails
test_every_op_has_test_points, and one without accuracy points in tests/_accuracy.py fails
test_every_op_has_accuracy_points, so a new function cannot ship untested. Each op's Python
spelling is checked in test_printer.py, its array VJP in test_arrays_vjp.py.
"""

from __future__ import annotations

import math

import pytest
from _accuracy import POINTS as ACCURACY_POINTS
from _accuracy import error, judge

import gradcli
from gradcli.compute import compute
from gradcli.lang.expr import Expr
from gradcli.lang.ops import FUNCTIONS, OPS
from gradcli.lang.resolve import evaluate_constant
from gradcli.lang.simplify import local_rules, simplify

# Points where each op is smooth (no kinks, no ties, inside the domain), one tuple of
# arguments each. Leaves take no arguments: their entry is the empty tuple.
TEST_POINTS: dict[str, list[tuple[float, ...]]] = {
    "input": [()],
    "const": [()],
    "id": [(-2.5,), (0.0,), (3.0,)],
    "add": [(-2.0, 5.0), (0.5, 1e-3)],
    "sub": [(-2.0, 5.0), (3.0, 3.0)],
    "mul": [(3.0, -4.0), (0.0, 2.5)],
    "div": [(1.0, 3.0), (-2.0, 0.5), (0.0, -4.0)],
    "pow": [(2.0, 3.0), (3.0, -2.0), (0.5, 0.5), (1.5, 2.25)],
    "neg": [(-2.0,), (0.0,), (7.5,)],
    "pos": [(-2.0,), (3.0,)],
    "exp": [(-3.0,), (0.0,), (1.5,)],
    "log": [(0.1,), (1.0,), (20.0,)],
    "log1p": [(-0.5,), (1e-3,), (3.0,)],
    "log2": [(0.25,), (3.0,)],
    "log10": [(0.01,), (7.0,)],
    "sqrt": [(1e-2,), (2.0,), (100.0,)],
    "sin": [(-1.0,), (0.0,), (2.0,)],
    "cos": [(-1.0,), (0.0,), (2.0,)],
    "tan": [(-1.0,), (0.0,), (1.2,)],
    "asin": [(-0.9,), (0.0,), (0.5,)],
    "acos": [(-0.5,), (0.0,), (0.9,)],
    "atan": [(-3.0,), (0.0,), (0.7,)],
    "sinh": [(-2.0,), (0.0,), (1.0,)],
    "cosh": [(-2.0,), (0.0,), (1.0,)],
    "tanh": [(-2.0,), (0.0,), (0.5,)],
    "sigmoid": [(-3.0,), (0.0,), (1.0,), (20.0,)],
    "logsigmoid": [(-30.0,), (-1.0,), (0.0,), (2.0,), (40.0,)],
    "relu": [(-2.0,), (1.5,)],
    "softplus": [(-30.0,), (-1.0,), (0.0,), (2.0,), (40.0,)],
    "abs": [(-2.0,), (3.0,)],
    "step": [(-1.0,), (2.0,)],
    "sign": [(-1.0,), (2.0,)],
    "max": [(3.0,), (1.0, 4.0), (5.0, -1.0, 2.0)],
    "min": [(3.0,), (1.0, 4.0), (5.0, -1.0, 2.0)],
    "gt": [(1.0, 2.0), (2.0, 1.0)],
    "lt": [(1.0, 2.0), (2.0, 1.0)],
    "ge": [(2.0, 1.0), (1.0, 2.0)],
    "le": [(2.0, 1.0), (1.0, 2.0)],
}

# Ops with a scalar kernel; array-only ops (matmul, sum, ...) are checked by their
# vector-Jacobian products in tests/test_arrays_vjp.py, driven by the same table.
SCALAR_OPS = {name: op for name, op in OPS.items() if op.forward is not None or op.syntax == "leaf"}

CASES = [(name, point) for name in SCALAR_OPS for point in TEST_POINTS.get(name, [None])]


def test_every_op_has_test_points():
    missing = sorted(set(SCALAR_OPS) - set(TEST_POINTS))
    assert not missing, f"ops without test points in TEST_POINTS: {missing}"
    assert not set(TEST_POINTS) - set(OPS), "test points for ops the table does not have"


def test_every_callable_name_is_an_op():
    for name, op in FUNCTIONS.items():
        assert OPS[op.name] is op, name


def _step(x: float) -> float:
    return 1e-6 * max(1.0, abs(x))


def numeric_partials(op, point):
    """Central differences, one argument at a time."""
    out = []
    for k, x in enumerate(point):
        h = _step(x)
        up = list(point)
        down = list(point)
        up[k] = x + h
        down[k] = x - h
        out.append((op.forward(*up) - op.forward(*down)) / (2 * h))
    return out


def _id(case):
    name, point = case
    return f"{name}{point}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_partials_match_central_differences(case):
    name, point = case
    assert point is not None, f"{name} has no test points"
    op = OPS[name]
    if op.syntax == "leaf":
        assert op.partials(1.5) == ()
        return
    assert op.accepts(len(point))
    ans = op.forward(*point)
    analytic = op.partials(ans, *point)
    assert len(analytic) == len(point)
    numeric = numeric_partials(op, point)
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        assert math.isclose(a, n, rel_tol=1e-6, abs_tol=1e-9), (
            f"{name}{point}: d/d(arg {k}) analytic {a!r} but numeric {n!r}")


def _evaluate(expr) -> float:
    if isinstance(expr, (int, float)):
        return float(expr)
    return evaluate_constant(expr)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_symbolic_rule_agrees_with_partials(case):
    """Each `rule` filled in with numbers evaluates to the float partials (also after simplify)."""
    name, point = case
    op = OPS[name]
    if op.rule is None or op.syntax == "leaf":
        pytest.skip(f"{name} has no symbolic rule")
    ans = op.forward(*point)
    numbers = [Expr("number", value=v) for v in point]
    rules = op.rule(Expr("number", value=ans), *numbers)
    partials = op.partials(ans, *point)
    assert len(rules) == len(partials)
    for k, (rule, p) in enumerate(zip(rules, partials)):
        value = _evaluate(rule)
        assert math.isclose(value, p, rel_tol=1e-9, abs_tol=1e-12), (
            f"{name}{point}: rule for arg {k} gives {value!r}, partials give {p!r}")
        if isinstance(rule, Expr):
            assert math.isclose(_evaluate(simplify(rule)), p, rel_tol=1e-9, abs_tol=1e-12)


def test_local_rules_use_the_labels():
    rules = local_rules(OPS["mul"], Expr("name", name="f"), [Expr("name", name="q"), Expr("name", name="z")])
    from gradcli.lang.printer import to_text
    assert [to_text(r) for r in rules] == ["z", "q"]
    (square,) = local_rules(OPS["pow"], Expr("name", name="s"),
                            [Expr("name", name="xpy"), Expr("number", value=2.0)])[:1]
    assert to_text(square) == "2 * xpy"


# ------------------------------------------------------------ conventions at kinks

def test_relu_derivative_at_zero_is_zero():
    assert OPS["relu"].partials(0.0, 0.0) == (0.0,)
    result = gradcli.grad("relu(x)", x=0)
    assert result.gradients == {"x": 0.0}
    assert [w["kind"] for w in result.warnings] == ["kink"]


def test_abs_derivative_at_zero_is_zero():
    assert OPS["abs"].partials(0.0, 0.0) == (0.0,)
    result = gradcli.grad("abs(x)", x=0)
    assert result.gradients == {"x": 0.0}
    assert result.warnings and result.warnings[0]["kind"] == "kink"


@pytest.mark.parametrize("name", ["max", "min"])
def test_tie_sends_everything_to_the_first_argument(name):
    op = OPS[name]
    assert op.partials(2.0, 2.0, 2.0) == (1.0, 0.0)
    assert op.partials(2.0, 1.0 if name == "max" else 3.0, 2.0, 2.0) == (0.0, 1.0, 0.0)
    result = gradcli.grad(f"{name}(x, y, z)", x=1, y=1, z=1)
    assert result.gradients == {"x": 1.0, "y": 0.0, "z": 0.0}
    assert [w["kind"] for w in result.warnings] == ["tie"]


def test_max_with_zero_at_zero_differs_from_relu():
    """max(x, 0) at x = 0 is a tie: x, the first argument, gets 1; relu'(0) is 0."""
    tie = gradcli.grad("max(x, 0)", x=0)
    assert tie.gradients["x"] == 1.0
    assert tie.warnings[0]["kind"] == "tie"
    assert gradcli.grad("relu(x)", x=0).gradients["x"] == 0.0
    # The other order gives the whole gradient to the constant.
    assert gradcli.grad("max(0, x)", x=0).gradients["x"] == 0.0


def test_no_kink_warning_away_from_the_kink():
    assert gradcli.grad("relu(x) + abs(x) + max(x, y)", x=1, y=2).warnings == ()


@pytest.mark.parametrize("name", ["step", "sign"])
def test_jumps_have_zero_derivative_and_a_warning_at_zero(name):
    assert OPS[name].partials(OPS[name].forward(0.0), 0.0) == (0.0,)
    assert OPS[name].kink(OPS[name].forward(0.0), 0.0)
    assert OPS[name].kink(OPS[name].forward(1.0), 1.0) is None


def test_pow_with_negative_base_and_integer_exponent():
    op = OPS["pow"]
    dx, dy = op.partials(op.forward(-2.0, 3.0), -2.0, 3.0)
    assert dx == 12.0
    assert math.isnan(dy)          # x^y ln x has no real value at x < 0


def test_pow_at_zero_base():
    op = OPS["pow"]
    assert op.forward(0.0, 0.0) == 1.0
    assert op.partials(0.0, 0.0, 2.0) == (0.0, 0.0)
    assert op.partials(0.0, 0.0, 1.0) == (1.0, 0.0)
    assert op.partials(1.0, 0.0, 0.0)[0] == 0.0
    assert math.isinf(op.partials(0.0, 0.0, 0.5)[0])


def test_sqrt_derivative_at_zero_is_infinite():
    assert OPS["sqrt"].partials(0.0, 0.0) == (math.inf,)


@pytest.mark.parametrize("x", [-1000.0, -745.0, 745.0, 1000.0])
def test_sigmoid_and_softplus_are_stable_far_out(x):
    s = OPS["sigmoid"].forward(x)
    assert 0.0 <= s <= 1.0
    assert math.isfinite(OPS["softplus"].forward(x))
    (d,) = OPS["sigmoid"].partials(s, x)
    assert d == 0.0 or d < 1e-300


def test_a_mask_blocks_the_gradient_and_warns_at_equality():
    rep = compute("(x > 0) * y", {"x": 2.0, "y": 3.0})
    assert rep.value == 3.0 and rep.gradients == {"x": 0.0, "y": 1.0}
    assert not rep.warnings
    tie = compute("(x >= y) * x", {"x": 1.0, "y": 1.0})
    assert tie.gradients == {"x": 1.0, "y": 0.0}
    assert any(">= jumps where its sides are equal" in str(w) for w in tie.warnings)


# ------------------------------------------------------------ accuracy against mpmath

ULP_BOUND = 4.0


def test_every_op_has_accuracy_points():
    missing = sorted(name for name, op in SCALAR_OPS.items()
                     if op.syntax != "leaf" and name not in ACCURACY_POINTS)
    assert not missing, f"ops without accuracy points in tests/_accuracy.py: {missing}"
    assert not set(ACCURACY_POINTS) - set(OPS)


def _worst(name, forward, partials):
    found = [(err, point, what, got, true) for point in ACCURACY_POINTS[name]
             for what, got, true, err in judge(name, point, forward, partials)]
    return max(found, key=lambda f: f[0]), len(found)


ACCURACY_OPS = sorted(name for name, op in SCALAR_OPS.items() if op.syntax != "leaf")


@pytest.mark.parametrize("name", ACCURACY_OPS)
def test_value_and_partials_are_within_4_ulp(name):
    op = OPS[name]
    (err, point, what, got, true), judged = _worst(name, op.forward, op.partials)
    assert judged >= 50, f"{name}: only {judged} judged values"
    assert err <= ULP_BOUND, f"{name}{point}: {what} is {got!r}, true {true}: {err:.3g} ulp"


@pytest.mark.parametrize("name, point, expected", [
    # sigmoid' as s(1 - s) lost digits from 13.5 and was 0 from 36.7 to 708.
    ("sigmoid", (40.0,), 4.248354255291589e-18),
    ("sigmoid", (700.0,), 9.85967654375977e-305),
    # tanh' as 1 - tanh² was 0 from 19 to 355.
    ("tanh", (20.0,), 1.6993417021166355e-17),
    ("tanh", (-354.0,), 1.4793204045093438e-307),
    # asin' and acos' near ±1: 1 - x² lost up to 1.9e-9 of their relative accuracy.
    ("asin", (0.9999999916084334,), 7719.043376952054),
    ("acos", (-0.9999999872425777,), -6260.420961531987),
])
def test_the_stable_partials(name, point, expected):
    op = OPS[name]
    (got,) = op.partials(op.forward(*point), *point)
    assert got == pytest.approx(expected, rel=1e-15)


def test_a_power_that_overflows_has_an_infinite_partial_of_the_right_sign():
    """x^-1 at x = -1e-300: the derivative -x^-2 overflows to -inf (it was NaN, undefined)."""
    op = OPS["pow"]
    dx, _ = op.partials(op.forward(-1e-300, -1.0), -1e-300, -1.0)
    assert dx == -math.inf
    rep = compute("x^-1", {"x": -1e-300})
    assert rep.gradients["x"] == -math.inf
    assert sorted(w["kind"] for w in rep.warnings) == ["infinite", "nonfinite-gradient"]


def test_the_built_in_sigmoid_is_never_worse_than_the_formula_typed_out():
    """1 / (1 + exp(-x)) through the sweep against sigmoid(x), both against mpmath."""
    from _accuracy import references

    op = OPS["sigmoid"]
    for (x,) in ACCURACY_POINTS["sigmoid"]:
        true_value, (true_partial,) = references("sigmoid", (x,))
        try:
            typed = compute("1 / (1 + exp(-x))", {"x": x})
        except gradcli.errors.MathError:
            continue            # exp(-x) overflows below -709.78: the built-in does not
        s = op.forward(x)
        (d,) = op.partials(s, x)
        for built_in, out, true in ((s, typed.value, true_value),
                                    (d, typed.gradients["x"], true_partial)):
            built_in_error, typed_error = error(built_in, true), error(out, true)
            if built_in_error is not None:
                assert built_in_error <= max(typed_error, 2.0), (x, built_in, out, float(true))
