"""Symbolic local rules: the op table's `rule` entries, filled in with node labels and tidied.

`simplify` folds numbers and drops identities (1*a, a+0, a^1, --a) so a rule
reads as the note writes it: ∂xpysqr/∂xpy = 2 * xpy, not 2 * xpy ^ (2 - 1).
"""

from __future__ import annotations

import math

from gradcli.expr import Expr
from gradcli.ops import OPS


def _is_number(expr: Expr, value: float | None = None) -> bool:
    return expr.kind == "number" and (value is None or expr.value == value)


def _fold(expr: Expr, args: tuple) -> Expr:
    kind = expr.kind
    if all(a.kind == "number" for a in args) and kind in OPS and OPS[kind].forward is not None:
        try:
            value = OPS[kind].forward(*(a.value for a in args))
        except (ArithmeticError, ValueError):
            value = None
        if value is not None and math.isfinite(value) and value == round(value, 12):
            return Expr("number", value=value) if value >= 0 else Expr("neg", (Expr("number", value=-value),))
    if kind == "mul":
        a, b = args
        if _is_number(a, 0) or _is_number(b, 0):
            return Expr("number", value=0.0)
        if _is_number(a, 1):
            return b
        if _is_number(b, 1):
            return a
        if _is_number(a, -1):
            return Expr("neg", (b,))
        if _is_number(b, -1):
            return Expr("neg", (a,))
    elif kind == "add":
        a, b = args
        if _is_number(a, 0):
            return b
        if _is_number(b, 0):
            return a
        if b.kind == "neg":
            return Expr("sub", (a, b.args[0]))
    elif kind == "sub":
        a, b = args
        if _is_number(b, 0):
            return a
        if _is_number(a, 0):
            return Expr("neg", (b,))
    elif kind == "div":
        a, b = args
        if _is_number(b, 1):
            return a
        if _is_number(a, 0):
            return Expr("number", value=0.0)
    elif kind == "pow":
        a, b = args
        if _is_number(b, 1):
            return a
        if _is_number(b, 0):
            return Expr("number", value=1.0)
    elif kind == "neg":
        (a,) = args
        if a.kind == "neg":
            return a.args[0]
        if _is_number(a, 0):
            return a
    if args is expr.args:
        return expr
    return Expr(kind, args, value=expr.value, name=expr.name)


def simplify(root: Expr) -> Expr:
    """Bottom-up tidy of an expression, without recursion."""
    done: dict[int, Expr] = {}
    stack = [(root, False)]
    while stack:
        expr, visited = stack.pop()
        if not expr.args:
            done[id(expr)] = expr
            continue
        if not visited:
            stack.append((expr, True))
            stack.extend((a, False) for a in expr.args)
            continue
        args = tuple(done[id(a)] for a in expr.args)
        if all(a is b for a, b in zip(args, expr.args)):
            args = expr.args
        done[id(expr)] = _fold(expr, args)
    return done[id(root)]


def local_rules(op_name: str, ans: Expr, args: list[Expr]) -> list[Expr | None]:
    """The op's symbolic partials, one per argument, simplified; None where there is no rule."""
    op = OPS[op_name]
    if op.rule is None:
        return [None] * len(args)
    rules = op.rule(ans, *args)
    return [simplify(r) if isinstance(r, Expr) else Expr("number", value=float(r)) if r >= 0
            else Expr("neg", (Expr("number", value=float(-r)),)) for r in rules]
