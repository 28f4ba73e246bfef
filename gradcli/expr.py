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
        from gradcli.printer import to_text
        return f"Expr({to_text(self, limit=80)!r})"

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


def lift(value) -> Expr:
    return value if isinstance(value, Expr) else number(float(value))


def number(value: float) -> Expr:
    return Expr("number", value=value)


def name(text: str) -> Expr:
    return Expr("name", name=text)


def call(function: str, *args: Expr) -> Expr:
    return Expr(function, tuple(args))
