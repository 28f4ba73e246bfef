"""The expression tree the parser builds and symbolic rules are written in.

An Expr is a leaf (a number or a name) or an operation with argument Exprs.
The parser makes them with source spans; the op table makes them for
symbolic derivative rules, through the arithmetic operators below, so the
rules read like maths.
"""

from __future__ import annotations


class Expr:
    """A node of the syntax tree. `kind` is "number", "name", or an operation's name."""

    __slots__ = ("kind", "args", "value", "name", "start", "end", "op_start", "op_end")

    def __init__(self, kind: str, args: tuple = (), value: float | None = None,
                 name: str | None = None, start: int = -1, end: int = -1,
                 op_start: int = -1, op_end: int = -1):
        self.kind = kind
        self.args = args
        self.value = value
        self.name = name
        self.start = start
        self.end = end
        self.op_start = op_start
        self.op_end = op_end

    def __repr__(self) -> str:
        return f"Expr({structure(self)})"

    def __add__(self, other): return Expr("add", (self, lift(other)))
    def __radd__(self, other): return Expr("add", (lift(other), self))
    def __sub__(self, other): return Expr("sub", (self, lift(other)))
    def __rsub__(self, other): return Expr("sub", (lift(other), self))
    def __mul__(self, other): return Expr("mul", (self, lift(other)))
    def __rmul__(self, other): return Expr("mul", (lift(other), self))
    def __truediv__(self, other): return Expr("div", (self, lift(other)))
    def __rtruediv__(self, other): return Expr("div", (lift(other), self))
    def __pow__(self, other): return Expr("pow", (self, lift(other)))
    def __rpow__(self, other): return Expr("pow", (lift(other), self))
    def __neg__(self): return Expr("neg", (self,))


REPR_LIMIT = 120


def structure(root: Expr, limit: int = REPR_LIMIT) -> str:
    """The tree as kind(args...), leaves as their number or name, cut at `limit` characters:
    what the parser built, without the printer's precedence rules (for debugging)."""
    out: list[str] = []
    size = 0
    stack: list = [root]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, str):
            piece = item
        elif item is None:
            piece = "None"
        elif item.kind == "number":
            piece = repr(item.value)
        elif item.kind in ("name", "label"):
            piece = item.name
        else:
            piece = item.kind + ("." + item.name if item.name else "") + "("
            tail: list = []
            for position, arg in enumerate(item.args):
                tail.append(arg)
                if position < len(item.args) - 1:
                    tail.append(", ")
            tail.append(")")
            stack.extend(reversed(tail))
        out.append(piece)
        size += len(piece)
    text = "".join(out)
    return text if size <= limit and not stack else text[:limit - 1] + "…"


def walk(root: Expr):
    """Every Expr under root in pre-order, left to right (text order), without recursion."""
    stack = [root]
    while stack:
        expr = stack.pop()
        yield expr
        for arg in reversed(expr.args):
            if arg is not None:
                stack.append(arg)


def lift(value) -> Expr:
    return value if isinstance(value, Expr) else number(float(value))


def number(value: float) -> Expr:
    return Expr("number", value=value)


def name(text: str) -> Expr:
    return Expr("name", name=text)


def call(function: str, *args: Expr) -> Expr:
    return Expr(function, tuple(args))
