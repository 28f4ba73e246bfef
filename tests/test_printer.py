"""lang/printer: one precedence-aware printer with three spellings, text, LaTeX and Python.

Printed text parses back to the same tree (fixed cases, and random trees over every op of the
table); the LaTeX forms of expressions and names; and each op's Python spelling (what
`--format python` writes) means the same in Python and in gradcli, down to the derivative at
a kink, so emitted code passes `gradcli verify`. Registry-driven: a scalar op with no entry in
POINTS fails.
"""

from __future__ import annotations

import math

import pytest
from _strategies import bound, expression_trees, grad_or_reject, points
from hypothesis import HealthCheck, assume, given, settings

from gradcli.compute import compute
from gradcli.lang.expr import Expr, name
from gradcli.lang.ops import OPS
from gradcli.lang.printer import latex_name, to_latex, to_python, to_text
from gradcli.lang.syntax import parse

SETTINGS = settings(deadline=None, max_examples=100,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# ------------------------------------------------------------------ text parses back

def expr_of(source: str):
    statements = parse(source)
    assert len(statements) == 1 and statements[0].kind == "expr"
    return statements[0].expr


def parsed_shape(expr) -> str:
    """A parsed tree fully parenthesised, so precedence is visible in one string."""
    if expr.kind == "number":
        return repr(expr.value)
    if expr.kind == "name":
        return expr.name
    if expr.kind == "call":
        return f"{parsed_shape(expr.args[0])}({', '.join(parsed_shape(a) for a in expr.args[1:])})"
    if expr.kind == "attr":
        return f"{parsed_shape(expr.args[0])}.{expr.name}"
    return f"{expr.kind}({', '.join(parsed_shape(a) for a in expr.args)})"


def test_printer_output_parses_back():
    for source in ("-x^2", "(a - b) - (c - d)", "a / (b * c)", "2^-x", "(-2)^x", "-(a + b)",
                   "exp(-x) * sin(y)^2", "a^(b^c)", "(a^b)^c", "max(a, -b, c)"):
        tree = expr_of(source)
        assert parsed_shape(expr_of(to_text(tree))) == parsed_shape(tree), source


def evaluate(expr: Expr, env: dict[str, float]) -> float:
    """An oracle independent of the graph: walk the tree with the op table's kernels."""
    if expr.kind == "number":
        return expr.value
    if expr.kind == "name":
        return env[expr.name]
    return OPS[expr.kind].forward(*(evaluate(a, env) for a in expr.args))


def shape(expr: Expr) -> str:
    """The tree as a string, with parsed calls (`call` of a name) written as their op."""
    if expr.kind == "number":
        return repr(expr.value)
    if expr.kind == "name":
        return expr.name
    if expr.kind == "call":
        head, args = expr.args[0].name, expr.args[1:]
    else:
        head, args = expr.kind, expr.args
    return f"{head}({', '.join(shape(a) for a in args)})"


@SETTINGS
@given(expression_trees, points)
def test_print_then_parse_gives_the_same_tree_and_value(expr, point):
    text = to_text(expr)
    statements = parse(text)
    assert len(statements) == 1 and statements[0].kind == "expr"
    parsed = statements[0].expr
    assert shape(parsed) == shape(expr), text
    assert to_text(parsed) == text
    bindings = bound(expr, point)
    try:
        expected = evaluate(expr, {**point})
    except (ValueError, ZeroDivisionError, OverflowError):
        expected = None
    assume(expected is not None and math.isfinite(expected))
    result = grad_or_reject(text, bindings)
    assume(result is not None)
    assert result.value == expected


@SETTINGS
@given(expression_trees)
def test_compact_printing_parses_back_too(expr):
    assert shape(parse(to_text(expr, compact=True))[0].expr) == shape(expr)


# ------------------------------------------------------------------ LaTeX

def test_printer_forms():
    x, y = name("x"), name("y")
    assert to_latex((x + y) * Expr("exp", (x,))) == r"\left(x + y\right) \cdot \exp\left(x\right)"
    assert to_latex(x / (y + 1)) == r"\frac{x}{y + 1}"
    assert to_latex((x + 1) ** 2) == r"\left(x + 1\right)^{2}"
    assert to_latex(-(x - y)) == r"-\left(x - y\right)"
    assert to_latex(x - (y - x)) == r"x - \left(y - x\right)"
    assert to_latex(Expr("abs", (x,))) == r"\left|x\right|"
    assert to_latex(Expr("sqrt", (x + y,))) == r"\sqrt{x + y}"
    assert to_latex(Expr("step", (x,))) == r"\operatorname{step}\left(x\right)"
    assert to_latex(Expr("number", value=1e20)) == r"1 \times 10^{20}"
    assert latex_name("w0") == "w_{0}" and latex_name("sig_y") == r"\mathit{sig\_y}"


def test_greek_letter_names():
    assert latex_name("theta") == r"\theta" and latex_name("Delta") == r"\Delta"
    assert latex_name("theta1") == r"\theta_{1}" and latex_name("alpha_2") == r"\alpha_{2}"
    assert latex_name("thetas") == r"\mathit{thetas}" and latex_name("w0") == "w_{0}"
    assert to_latex(name("theta") * name("x")) == r"\theta \cdot x"


# ------------------------------------------------------------------ Python

# A smooth point of each op (away from kinks, ties and domain edges).
POINTS = {
    "id": (0.7,), "add": (1.5, -2.0), "sub": (1.5, -2.0), "mul": (1.5, -2.0),
    "div": (1.5, -2.0), "pow": (1.5, 2.5), "neg": (0.7,), "pos": (0.7,),
    "exp": (0.7,), "log": (1.5,), "log1p": (0.5,), "logsigmoid": (0.7,), "log2": (1.5,), "log10": (1.5,), "sqrt": (2.0,),
    "sin": (0.7,), "cos": (0.7,), "tan": (0.7,), "asin": (0.3,), "acos": (0.3,),
    "atan": (0.7,), "sinh": (0.7,), "cosh": (0.7,), "tanh": (0.7,), "sigmoid": (0.7,),
    "relu": (0.7,), "softplus": (0.7,), "abs": (-0.7,), "step": (0.7,), "sign": (-0.7,),
    "max": (0.5, 2.0, -1.0), "min": (0.5, 2.0, -1.0),
    "gt": (1.0, 2.0), "lt": (1.0, 2.0), "ge": (2.0, 1.0), "le": (2.0, 1.0),
}


# Where the derivative is a convention (relu'(0) = 0, a tie in max goes to the first), or
# where the spelling has a kink that the op has not (softplus's |x|): the emitted spelling must
# give the op's derivative there too, or `gradcli verify` would disagree.
KINKS = {
    "relu": [(0.0,), (-0.0,)], "abs": [(0.0,)], "step": [(0.0,)], "sign": [(0.0,)],
    "softplus": [(0.0,)], "max": [(1.0, 1.0), (2.0, 1.0, 2.0)], "min": [(1.0, 1.0)],
    "gt": [(1.0, 1.0)], "lt": [(1.0, 1.0)], "ge": [(1.0, 1.0)], "le": [(1.0, 1.0)],
}


SCALAR_OPS = sorted(name for name, op in OPS.items()
                    if op.forward is not None and op.syntax != "leaf")


def test_every_scalar_op_has_a_point():
    assert set(SCALAR_OPS) - set(POINTS) == set(), "scalar ops without a test point"
    assert set(POINTS) - set(SCALAR_OPS) == set()


def _names(count):
    return tuple(Expr("name", name=f"a{k}") for k in range(count))


def _spelling_agrees(name, args):
    """The op's Python spelling: Python's value, gradcli's value and gradcli's derivative of
    the spelling all equal the op's own forward and partials at `args`."""
    op = OPS[name]
    names = _names(len(args))
    text = to_python(Expr(name, names))
    bindings = {f"a{k}": v for k, v in enumerate(args)}
    expected = op.forward(*args)
    # Evaluating our own generated text (never user input) is the point: Python's meaning.
    assert float(eval(text, {"math": math}, dict(bindings))) == pytest.approx(expected, abs=1e-15)
    rep = compute(f"f = {text}", bindings)
    assert rep.value == pytest.approx(expected, abs=1e-15), text
    partials = op.partials(expected, *args)
    for k, partial in enumerate(partials):
        assert rep.gradient(f"a{k}") == pytest.approx(partial, rel=1e-12, abs=1e-15), (text, k)


@pytest.mark.parametrize("name", SCALAR_OPS)
def test_python_spelling_means_the_same_in_both_languages(name):
    _spelling_agrees(name, POINTS[name])


@pytest.mark.parametrize("name, args", [(n, a) for n, points in sorted(KINKS.items())
                                        for a in points])
def test_python_spelling_keeps_the_kink_convention(name, args):
    op = OPS[name]
    if op.kink is not None:
        assert op.kink(op.forward(*args), *args) is not None
    _spelling_agrees(name, args)


# ------------------------------------------------------------------ bit for bit

@pytest.mark.parametrize("name", SCALAR_OPS)
def test_the_emitted_arithmetic_is_the_kernels_bit_for_bit(name):
    """At every accuracy point of the op, the Python that --format python writes for its value
    and its partials (python_forward, python_partials, or the spelling and the rule) computes
    exactly what the kernels compute, wherever the kernels' numbers are finite."""
    from _accuracy import POINTS as ACCURACY_POINTS

    from gradcli.render.python import forward_expr, partial_exprs

    op = OPS[name]
    checked = 0
    for point in ACCURACY_POINTS[name]:
        try:
            ans = op.forward(*point)
        except (ValueError, OverflowError, ZeroDivisionError, ArithmeticError):
            continue
        names = _names(len(point))
        env = {f"a{k}": v for k, v in enumerate(point)} | {"ans": ans}
        values = (ans, *point)
        value = eval(to_python(forward_expr(op, values, list(names))), {"math": math}, dict(env))
        assert value == ans, (name, point)
        partials = op.partials(ans, *point)
        exprs = partial_exprs(op, values, Expr("name", name="ans"), list(names))
        for k, (partial, expr) in enumerate(zip(partials, exprs)):
            if not math.isfinite(partial) or expr is None:
                continue
            got = eval(to_python(expr), {"math": math}, dict(env))
            assert got == partial, (name, point, k, to_python(expr), got, partial)
            checked += 1
    assert checked >= 20
