"""The one precedence-aware printer, with three spellings: gradcli text, LaTeX and Python.

One walk lays an expression out as pieces (strings, and child expressions wrapped in
parentheses where their binding strength needs it); a spelling says how numbers, names and
each kind of op are written. Text is what error messages, table cells, JSON `text` and round
trips use; LaTeX serves `--format latex` and `gradcli diff --format latex`; Python serves
`--format python`.

Printing is iterative (an explicit stack), since trees can be 100,000 deep, and can stop
early at a length limit so labelling every node stays linear.
"""

from __future__ import annotations

import re
import string

from gradcli.lang.expr import Expr
from gradcli.lang.ops import ATOM, COMPARE, OPS, POWER, SUM, UNARY
from gradcli.numbers import exact_text

_SIMPLE_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|#\d+|[0-9.]+(e[+-]?\d+)?")


def _is_simple_label(text: str) -> bool:
    return _SIMPLE_LABEL.fullmatch(text) is not None or text.endswith(")") and "(" in text \
        and _SIMPLE_LABEL.match(text) is not None and text.find("(") == _SIMPLE_LABEL.match(text).end()


def strength(expr: Expr) -> int:
    """How tightly the expression binds as gradcli text (and as Python, which agrees)."""
    kind = expr.kind
    if kind == "number":
        return UNARY if str(expr.value)[0] == "-" else ATOM
    if kind == "name":
        return ATOM
    if kind == "label":
        return ATOM if _is_simple_label(expr.name) else SUM
    op = OPS.get(kind)
    if op is not None:
        return op.strength
    return UNARY if kind == "unpack" else ATOM


def needs_parens(parent: Expr, position: int, child: Expr, strength_of=strength) -> bool:
    """Whether `child`, the position-th argument of `parent`, is wrapped in parentheses."""
    op = OPS[parent.kind]
    inner = strength_of(child)
    if op.syntax == "prefix":
        return inner < UNARY
    if op.strength == POWER:
        # The base binds tighter than unary minus (-x^2 is -(x^2)); the exponent may be unary (2^-1).
        return inner < ATOM if position == 0 else inner < UNARY
    if op.strength == COMPARE:
        return inner <= COMPARE         # comparisons do not chain: (a < b) < c keeps its parentheses
    # Left-associative: a - (b - c) and a * (b * c) keep their parentheses.
    return inner < op.strength if position == 0 else inner <= op.strength


# ------------------------------------------------------------------ spellings

class TextSpelling:
    """gradcli's own language: what the parser reads back. `compact` drops the spaces around
    operators, for narrow table cells."""

    open, close = "(", ")"

    def __init__(self, compact: bool = False):
        self.compact = compact

    def number(self, value: float) -> str:
        return exact_text(value)

    def name(self, text: str) -> str:
        return text

    strength = staticmethod(strength)

    def wrap(self, parent: Expr, position: int, child: Expr) -> list:
        if needs_parens(parent, position, child, self.strength):
            return [self.open, child, self.close]
        return [child]

    def layout(self, item: Expr) -> list:
        surface = _SURFACE.get(item.kind)
        if surface is not None:
            return surface(item)
        op = OPS[item.kind]
        args = item.args
        if op.syntax == "infix":
            symbol = op.symbol if self.compact else f" {op.symbol} "
            return [*self.wrap(item, 0, args[0]), symbol, *self.wrap(item, 1, args[1])]
        if op.syntax == "prefix":
            return [op.symbol, *self.wrap(item, 0, args[0])]
        return [op.name, *_listed(args, "(", ")")]


class LatexSpelling(TextSpelling):
    """LaTeX math: \\frac for division, ^{} for powers, the op table's `latex` forms."""

    open, close = r"\left(", r"\right)"

    def number(self, value: float) -> str:
        return latex_number(exact_text(value))

    def name(self, text: str) -> str:
        return latex_name(text)

    @staticmethod
    def strength(expr: Expr) -> int:
        kind = expr.kind
        if kind == "number":
            return UNARY if exact_text(expr.value).startswith("-") else ATOM
        if kind in ("name", "label"):
            return ATOM
        op = OPS[kind]
        if op.latex == r"\frac" or op.syntax == "function":
            return ATOM         # its braces or \left( \right) group it
        return op.strength

    def layout(self, item: Expr) -> list:
        op = OPS[item.kind]
        args = item.args
        if op.latex == r"\frac":
            return [r"\frac{", args[0], "}{", args[1], "}"]
        if op.syntax == "infix" and op.strength == POWER:
            return [*self.wrap(item, 0, args[0]), "^{", args[1], "}"]
        if op.syntax == "infix":
            return [*self.wrap(item, 0, args[0]), f" {op.latex or op.symbol} ",
                    *self.wrap(item, 1, args[1])]
        if op.syntax == "prefix":
            return [op.latex or op.symbol, *self.wrap(item, 0, args[0])]
        if r"\cdot" in op.latex:
            before, _, after = op.latex.partition(r"\cdot")
            return [before, args[0], after]
        return [op.latex or rf"\operatorname{{{op.name}}}",
                *_listed(args, r"\left(", r"\right)")]


class PythonSpelling(TextSpelling):
    """Python with the math module: float literals, ** for powers, the op table's `python`
    spellings (an operator, a function's name, or a template with {0}, {1})."""

    def number(self, value: float) -> str:
        return repr(float(value))

    def layout(self, item: Expr) -> list:
        op = OPS[item.kind]
        args = item.args
        if op.syntax in ("infix", "prefix"):
            symbol = op.python or op.symbol
            if op.syntax == "prefix":
                return [symbol, *self.wrap(item, 0, args[0])]
            return [*self.wrap(item, 0, args[0]), f" {symbol} ", *self.wrap(item, 1, args[1])]
        if "{" in op.python:
            atoms = {k: ([self.open, a, self.close] if strength(a) < ATOM else [a])
                     for k, a in enumerate(args)}
            pieces: list = []
            for text, field, _, _ in _TEMPLATE.parse(op.python):
                if text:
                    pieces.append(text)
                if field is not None:
                    pieces.extend(atoms[int(field)])
            return pieces
        if len(args) == 1 and op.max_args is None and op.python:
            # max(x) is x in gradcli, but Python's max wants an iterable.
            return [self.open, args[0], self.close] if strength(args[0]) < ATOM else [args[0]]
        return [op.python or "math." + op.name, *_listed(args, "(", ")")]


_TEMPLATE = string.Formatter()

TEXT = TextSpelling()
COMPACT = TextSpelling(compact=True)
LATEX = LatexSpelling()
PYTHON = PythonSpelling()


def _listed(items, opening: str, closing: str) -> list:
    parts: list = [opening]
    for position, arg in enumerate(items):
        if position:
            parts.append(", ")
        parts.append(arg if arg is not None else "")
    parts.append(closing)
    return parts


def _postfix_target(expr: Expr) -> list:
    return [expr] if strength(expr) >= ATOM else ["(", expr, ")"]


# Forms that exist only in the parsed text (before lowering resolves calls and attributes).
_SURFACE = {
    "call": lambda e: [*_postfix_target(e.args[0]), *_listed(e.args[1:], "(", ")")],
    "attr": lambda e: [*_postfix_target(e.args[0]), "." + e.name],
    "subscript": lambda e: [*_postfix_target(e.args[0]), *_listed(e.args[1:], "[", "]")],
    "array": lambda e: _listed(e.args, "[", "]"),
    "tuple": lambda e: _listed(e.args, "(", ",)" if len(e.args) == 1 else ")"),
    "keyword": lambda e: [e.name + "=", e.args[0]],
    "unpack": lambda e: ["*", e.args[0]],
    "slice": lambda e: [e.args[0] if e.args[0] is not None else "", ":",
                        e.args[1] if e.args[1] is not None else ""],
}


# ------------------------------------------------------------------ the walk

class _OverBudget(Exception):
    pass


def _leaf(expr: Expr, spelling) -> str | None:
    if expr.kind == "number":
        return spelling.number(expr.value)
    if expr.kind == "name" or expr.kind == "label":
        return spelling.name(expr.name)
    return None


def print_expr(expr: Expr, spelling=TEXT, limit: int | None = None) -> str:
    """The expression in `spelling`; with `limit`, cut to that many characters, ending in '…'."""
    out: list[str] = []
    size = 0
    stack: list = [expr]   # Exprs still to print, and literal strings to emit
    try:
        while stack:
            item = stack.pop()
            piece = item if isinstance(item, str) else _leaf(item, spelling)
            if piece is None:
                stack.extend(reversed(spelling.layout(item)))
                continue
            out.append(piece)
            size += len(piece)
            if limit is not None and size > limit:
                raise _OverBudget
    except _OverBudget:
        return "".join(out)[: max(limit - 1, 1)] + "…"
    return "".join(out)


def to_text(expr: Expr, limit: int | None = None, compact: bool = False,
            memo: dict | None = None) -> str:
    """Print an expression so that it parses back to the same tree.

    With `limit`, the text is cut to that many characters, ending in '…'. With `limit` and
    a `memo` shared between calls, each sub-expression's opening characters are kept, so
    labelling every node of a deep tree costs O(limit) a node instead of O(depth).
    """
    spelling = COMPACT if compact else TEXT
    if memo is not None and limit is not None:
        text = _prefix(expr, limit, spelling, memo)
        return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"
    return print_expr(expr, spelling, limit)


def to_latex(expr: Expr) -> str:
    return print_expr(expr, LATEX)


def to_python(expr: Expr) -> str:
    return print_expr(expr, PYTHON)


def _prefix(root: Expr, limit: int, spelling, memo: dict) -> str:
    """The first limit + 1 characters of root's text, filling memo for every sub-expression."""
    stack: list = [(root, False)]
    while stack:
        expr, ready = stack.pop()
        key = id(expr)
        if key in memo:
            continue
        leaf = _leaf(expr, spelling)
        if leaf is not None:
            memo[key] = leaf
            continue
        pieces = spelling.layout(expr)
        if not ready:
            stack.append((expr, True))
            stack.extend((p, False) for p in pieces if isinstance(p, Expr) and id(p) not in memo)
            continue
        out: list[str] = []
        size = 0
        for piece in pieces:
            text = piece if isinstance(piece, str) else memo[id(piece)]
            out.append(text)
            size += len(text)
            if size > limit:
                break
        memo[key] = "".join(out)[: limit + 1]
    return memo[id(root)]


# ------------------------------------------------------------------ LaTeX names and numbers

_INDEXED = re.compile(r"([A-Za-z]+)_?(\d+)\Z")

GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())


def _letter(word: str) -> str | None:
    """A one-letter name or a Greek letter's name as LaTeX (theta -> \\theta), else None."""
    if len(word) == 1 and word.isalpha():
        return word
    return f"\\{word}" if word in GREEK else None


def latex_name(name: str) -> str:
    """w0 -> w_{0}, x -> x, theta -> \\theta, theta1 -> \\theta_{1}, sigy -> \\mathit{sigy};
    anything else escaped."""
    match = _INDEXED.match(name)
    if match and _letter(match.group(1)):
        return f"{_letter(match.group(1))}_{{{match.group(2)}}}"
    if _letter(name):
        return _letter(name)
    escaped = re.sub(r"([#$%&_{}])", r"\\\1", name)
    return rf"\mathit{{{escaped}}}"


def latex_number(text: str) -> str:
    """A formatted number as LaTeX: 1e+20 -> 1 \\times 10^{20}."""
    if "e" in text and text not in ("inf", "-inf", "undefined"):
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    return text if text != "undefined" else r"\text{undefined}"
