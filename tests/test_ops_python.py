"""Each op's Python spelling (what `--format python` writes) means the same in Python and
in gradcli, down to the derivative at a kink, so emitted code passes `gradcli verify`; and
the comparisons the two languages share. Registry-driven: a scalar op with no entry in
POINTS fails. (Partials and symbolic rules are checked in tests/test_ops.py.)
"""

from __future__ import annotations

import math

import pytest

from gradcli.lang.expr import Expr
from gradcli.lang.resolve import evaluate_constant
from gradcli.lang.ops import OPS
from gradcli.lang.printer import to_text
from gradcli.render.python import to_python
from gradcli.compute import compute

# A smooth point of each op (away from kinks, ties and domain edges).
POINTS = {
    "id": (0.7,), "add": (1.5, -2.0), "sub": (1.5, -2.0), "mul": (1.5, -2.0),
    "div": (1.5, -2.0), "pow": (1.5, 2.5), "neg": (0.7,), "pos": (0.7,),
    "exp": (0.7,), "log": (1.5,), "log2": (1.5,), "log10": (1.5,), "sqrt": (2.0,),
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


@pytest.mark.parametrize("text, value", [
    ("2 > 1", 1.0), ("1 > 2", 0.0), ("1 > 1", 0.0), ("1 >= 1", 1.0), ("1 < 2", 1.0),
    ("2 <= 1", 0.0), ("1 + 1 > 1", 1.0), ("(1 > 0) * 3", 3.0), ("-(2 < 1)", 0.0),
    ("(1 > 0) - (1 < 0)", 1.0), ("(1 < 2) < 1", 0.0),
])
def test_comparisons_as_python_has_them(text, value):
    from gradcli.lang.syntax import parse

    (statement,) = parse(text)
    assert evaluate_constant(statement.expr) == value
    assert float(eval(text)) == value
    # Printed back, the text parses to the same value (comparisons never print as a chain).
    (again,) = parse(to_text(statement.expr))
    assert evaluate_constant(again.expr) == value


def test_comparisons_do_not_chain():
    from gradcli.errors import InputError
    from gradcli.lang.syntax import parse

    with pytest.raises(InputError) as caught:
        parse("x < y < z")
    assert caught.value.span.start == 6
    assert to_text(parse("(x < y) < z")[0].expr) == "(x < y) < z"
    assert to_text(parse("x < (y < z)")[0].expr) == "x < (y < z)"


def test_a_mask_blocks_the_gradient_and_warns_at_equality():
    rep = compute("(x > 0) * y", {"x": 2.0, "y": 3.0})
    assert rep.value == 3.0 and rep.gradients == {"x": 0.0, "y": 1.0}
    assert not rep.warnings
    tie = compute("(x >= y) * x", {"x": 1.0, "y": 1.0})
    assert tie.gradients == {"x": 1.0, "y": 0.0}
    assert any(">= jumps where its sides are equal" in str(w) for w in tie.warnings)


@pytest.mark.parametrize("program, message, column, width", [
    ("x < y < 1", "comparisons do not chain", 7, 1),
    ("x >= y >= 1", "comparisons do not chain", 8, 2),
    ("x == y", "'==' and '!=' are not part of the language", 3, 2),
    ("f = x != y", "'==' and '!=' are not part of the language", 7, 2),
    ("x > ", "an operand is missing", 5, 1),
])
def test_comparison_errors_point_at_the_operator(program, message, column, width, capsys):
    from gradcli.cli import main

    status = main([program, "x=1", "y=2"])
    err = capsys.readouterr().err
    assert status == 2 and message in err
    assert f"at line 1, column {column}:" in err
    assert err.splitlines()[-1] == " " * (4 + column - 1) + "^" * width
