"""Hypothesis strategies shared by the property tests: program texts over the common functions,
and expression trees built from the op table, with the points to evaluate them at."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

import gradcli
from gradcli.errors import GradcliError
from gradcli.lang.expr import Expr
from gradcli.lang.ops import OPS


def expression_texts(leaves, depth):
    """Program texts over + - * / ^2 and the common functions, for the property tests that
    compare two ways of differentiating."""
    leaf = st.sampled_from(leaves)
    unary = ("exp", "tanh", "sigmoid", "relu", "abs", "sin")

    @st.composite
    def texts(draw, depth=depth):
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            return draw(leaf)
        kind = draw(st.sampled_from(["+", "-", "*", "/", *unary, "max", "min", "^2"]))
        a = draw(texts(depth=depth - 1))
        if kind in unary:
            return f"{kind}({a})"
        if kind == "^2":
            return f"({a})^2"
        b = draw(texts(depth=depth - 1))
        if kind in ("max", "min"):
            return f"{kind}({a}, {b})"
        return f"({a} {kind} {b})"

    return texts()


# ------------------------------------------------------------------ trees from the op table

NAMES = ("a", "b", "c")
# Every scalar op a program can write: infix, prefix and function ops (not leaves, the
# internal id, or the array-only ops, which the test_arrays_*.py files cover).
WRITABLE = [op for op in OPS.values() if op.syntax in ("infix", "prefix", "function")
            and op.name != "id" and op.forward is not None]

leaf_numbers = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, 0.25, 1e-3, 2.5e3, 10.0])
# Names twice as likely as numbers, so most subtrees carry a gradient worth checking.
leaves = st.one_of(st.sampled_from(NAMES).map(lambda n: Expr("name", name=n)),
                   st.sampled_from(NAMES).map(lambda n: Expr("name", name=n)),
                   leaf_numbers.map(lambda v: Expr("number", value=v)))


def _extend(children):
    def build(op, args):
        return Expr(op.name, tuple(args))

    strategies = []
    for op in WRITABLE:
        low = op.min_args
        high = op.max_args if op.max_args is not None else 3
        strategies.append(st.lists(children, min_size=low, max_size=high)
                          .map(lambda args, op=op: build(op, args)))
    return st.one_of(strategies)


# Expression trees (Expr) over NAMES and every WRITABLE op, and points binding each name.
expression_trees = st.recursive(leaves, _extend, max_leaves=12)
points = st.fixed_dictionaries({n: st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))
                                for n in NAMES})


def names_in(expr: Expr) -> set[str]:
    found, stack = set(), [expr]
    while stack:
        e = stack.pop()
        if e.kind == "name":
            found.add(e.name)
        stack.extend(e.args)
    return found


def bound(expr: Expr, point: dict[str, float]) -> dict[str, float]:
    """The point's values for the names the tree uses."""
    return {n: point[n] for n in names_in(expr)}


def grad_or_reject(text: str, bindings: dict[str, float]):
    """gradcli.grad, or None where the maths fails at this point; any other error fails."""
    try:
        result = gradcli.grad(text, bindings)
    except GradcliError as error:
        assume(error.exit_code == 3)     # a domain error or overflow at this point
        return None
    return result
