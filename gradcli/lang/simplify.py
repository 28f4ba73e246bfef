"""Tidying expressions: numbers folded and identities dropped (1*a, a+0, a^1, --a, a-a), so a
local rule reads as the note writes it: ∂xpysqr/∂xpy = 2 * xpy, not 2 * xpy ^ (2 - 1).

The rewrites are algebra about particular ops, so they sit in tables keyed by the op
(as JAX registers each concern of a primitive in a table keyed by it): IDENTITIES for every
tidy, REARRANGEMENTS for the derivative's extra tidying (signs out front, numbers first,
a * (1 / b) = a / b). An op without an entry is only folded when its arguments are numbers.
"""

from __future__ import annotations

import math

from gradcli.lang.expr import Expr
from gradcli.lang.ops import OPS, Op
from gradcli.lang.printer import to_text

ADD, SUB, MUL, DIV, POW, NEG, LOG, EXP = (OPS[name] for name in
                                          ("add", "sub", "mul", "div", "pow", "neg", "log", "exp"))
E_NAMES = ("e", "math.e", "np.e", "numpy.e")


def _op(expr: Expr) -> Op | None:
    return OPS.get(expr.kind)


def _new(op: Op, *args: Expr) -> Expr:
    return Expr(op.name, tuple(args))


def _number(value: float) -> Expr:
    return Expr("number", value=value)


def _is_number(expr: Expr, value: float | None = None) -> bool:
    return expr.kind == "number" and (value is None or expr.value == value)


def _same(a: Expr, b: Expr) -> bool:
    """Structurally equal (the printer round-trips, so equal text is an equal tree)."""
    if a is b:
        return True
    if a.kind != b.kind:
        return False
    text = to_text(a, limit=200)
    return not text.endswith("…") and text == to_text(b, limit=200)


def negate(expr: Expr) -> Expr:
    return expr.args[0] if _op(expr) is NEG else _new(NEG, expr)


def signed_number(expr: Expr) -> float | None:
    """The value of a number or of a negated number, else None."""
    if expr.kind == "number":
        return expr.value
    if _op(expr) is NEG and expr.args[0].kind == "number":
        return -expr.args[0].value
    return None


def constant(value: float) -> Expr:
    """A number as an expression; a negative one (-0 included) as the negation of its size."""
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return _new(NEG, _number(-value))
    return _number(value)


# ------------------------------------------------------------------ identities

def _mul(a, b):
    if _is_number(a, 0) or _is_number(b, 0):
        return _number(0.0)
    for one, other in ((a, b), (b, a)):
        if _is_number(one, 1):
            return other
        if _is_number(one, -1):
            return negate(other)
    return None


def _add(a, b):
    if _is_number(a, 0):
        return b
    if _is_number(b, 0):
        return a
    if _op(b) is NEG:
        return _new(SUB, a, b.args[0])
    return None


def _sub(a, b):
    if _is_number(b, 0):
        return a
    if _same(a, b):
        return _number(0.0)
    if _is_number(a, 0):
        return negate(b)
    return None


def _div(a, b):
    if _is_number(b, 1):
        return a
    if _is_number(a, 0):
        return _number(0.0)
    return None


def _pow(a, b):
    if _is_number(b, 1):
        return a
    if _is_number(b, 0):
        return _number(1.0)
    return None


def _neg(a):
    if _op(a) is NEG:
        return a.args[0]
    if _is_number(a, 0):
        return a
    return None


def _log(*args):
    if len(args) != 1:
        return None
    (a,) = args
    if a.kind == "name" and a.name in E_NAMES:
        return _number(1.0)        # the pow rule's ln(e), for e^x
    if _op(a) is EXP:
        return a.args[0]    # log(exp(a)) = a for every a (not exp(log(a)): a > 0 only)
    return None


IDENTITIES = {ADD: _add, SUB: _sub, MUL: _mul, DIV: _div, POW: _pow, NEG: _neg, LOG: _log}


def _fold(expr: Expr, args: tuple) -> Expr:
    op = _op(expr)
    if op is not None and op.forward is not None and all(a.kind == "number" for a in args):
        try:
            value = op.forward(*(a.value for a in args))
        except (ArithmeticError, ValueError):
            value = None
        if value is not None and math.isfinite(value) and value == round(value, 12):
            return _number(value) if value >= 0 else _new(NEG, _number(-value))
    identity = IDENTITIES.get(op)
    if identity is not None:
        tidied = identity(*args)
        if tidied is not None:
            return tidied
    if args is expr.args:
        return expr
    return Expr(expr.kind, args, value=expr.value, name=expr.name)


# ------------------------------------------------------------------ the derivative's rearrangements

def _make(op: Op, *args: Expr) -> Expr:
    """A new node, itself tidied (each rewrite below shrinks or reorders, so this ends)."""
    return _fold_more(_new(op, *args), args)


def _mul_more(a, b, na, nb):
    if na in (1.0, -1.0):
        return b if na == 1.0 else negate(b)
    if nb in (1.0, -1.0):
        return a if nb == 1.0 else negate(a)
    if _op(a) is NEG:
        return _make(NEG, _make(MUL, a.args[0], b))
    if _op(b) is NEG:
        return _make(NEG, _make(MUL, a, b.args[0]))
    if nb is not None and na is None:
        return _make(MUL, b, a)
    if _op(b) is DIV:
        return _make(DIV, _make(MUL, a, b.args[0]), b.args[1])
    if _op(a) is DIV:
        return _make(DIV, _make(MUL, a.args[0], b), a.args[1])
    return None


def _div_more(a, b, na, nb):
    if _op(a) is NEG:
        return _make(NEG, _make(DIV, a.args[0], b))
    if _op(b) is NEG:
        return _make(NEG, _make(DIV, a, b.args[0]))
    return None


def _add_more(a, b, na, nb):
    if _op(a) is NEG:
        return _make(SUB, b, a.args[0])
    if _same(a, b):
        return _make(MUL, _number(2.0), a)
    return None


def _sub_more(a, b, na, nb):
    if _op(b) is NEG:
        return _make(ADD, a, b.args[0])
    return None


REARRANGEMENTS = {MUL: _mul_more, DIV: _div_more, ADD: _add_more, SUB: _sub_more}


def _fold_more(expr: Expr, args: tuple) -> Expr:
    expr = _fold(expr, args)
    op, args = _op(expr), expr.args
    if op is NEG and _op(args[0]) is NEG:
        return args[0].args[0]
    rearrange = REARRANGEMENTS.get(op)
    if rearrange is None or len(args) != 2:
        return expr
    a, b = args
    na, nb = signed_number(a), signed_number(b)
    if na is not None and nb is not None:
        folded = _fold(_new(op, _number(na), _number(nb)), (_number(na), _number(nb)))
        if signed_number(folded) is not None:
            return folded
    tidied = rearrange(a, b, na, nb)
    return expr if tidied is None else tidied


def simplify(root: Expr, thorough: bool = False, memo: dict | None = None) -> Expr:
    """Bottom-up tidy of an expression, without recursion; `thorough` adds the derivative's
    rearrangements (kept out of the table's rules, which show each op's rule as written).

    `memo` (id -> (expr, tidied)) carries work across calls, so that building a derivative
    term by term never tidies the same shared subtree twice; it holds the exprs so ids stay
    unique while it lives.
    """
    fold = _fold_more if thorough else _fold
    done: dict[int, tuple[Expr, Expr]] = {} if memo is None else memo
    stack = [(root, False)]
    while stack:
        expr, visited = stack.pop()
        if not visited and id(expr) in done:
            continue        # a shared subtree (symbolic derivatives share freely): tidy it once
        if not expr.args:
            done[id(expr)] = (expr, expr)
            continue
        if not visited:
            stack.append((expr, True))
            stack.extend((a, False) for a in expr.args)
            continue
        args = tuple(done[id(a)][1] for a in expr.args)
        if all(a is b for a, b in zip(args, expr.args)):
            args = expr.args
        result = fold(expr, args)
        done[id(expr)] = (expr, result)
        done.setdefault(id(result), (result, result))
    return done[id(root)][1]


def local_rules(op: Op, ans: Expr, args: list[Expr]) -> list[Expr | None]:
    """The op's symbolic partials, one per argument, simplified; None where there is no rule."""
    if op.rule is None:
        return [None] * len(args)
    rules = op.rule(ans, *args)
    return [None if r is None else simplify(r) if isinstance(r, Expr) else constant(float(r))
            for r in rules]
