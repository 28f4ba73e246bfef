"""The one precedence-aware printer: error messages, table cells, JSON `text`, round trips.

Printing is iterative (an explicit stack), since trees can be 100,000 deep,
and can stop early at a length limit so labelling every node stays linear.
"""

from __future__ import annotations

from gradcli.expr import Expr
import re

from gradcli.ops import ATOM, COMPARE, OPS, SUM, UNARY


def format_number(value: float) -> str:
    """Shortest text that parses back to exactly this float; integers without '.0'."""
    if value == int(value) and abs(value) < 1e16:
        text = str(int(value))
        return "-0" if text == "0" and str(value)[0] == "-" else text
    return repr(value)


_SIMPLE_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|#\d+|[0-9.]+(e[+-]?\d+)?")


def _is_simple_label(text: str) -> bool:
    return _SIMPLE_LABEL.fullmatch(text) is not None or text.endswith(")") and "(" in text \
        and _SIMPLE_LABEL.match(text) is not None and text.find("(") == _SIMPLE_LABEL.match(text).end()


def strength(expr: Expr) -> int:
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


def _needs_parens(parent: Expr, position: int, child: Expr) -> bool:
    op = OPS[parent.kind]
    inner = strength(child)
    if op.syntax == "prefix":
        return inner < UNARY
    if parent.kind == "pow":
        # The base binds tighter than unary minus (-x^2 is -(x^2)); the exponent may be unary (2^-1).
        return inner < ATOM if position == 0 else inner < UNARY
    if op.strength == COMPARE:
        return inner <= COMPARE         # comparisons do not chain: (a < b) < c keeps its parentheses
    # Left-associative: a - (b - c) and a * (b * c) keep their parentheses.
    return inner < op.strength if position == 0 else inner <= op.strength


class _OverBudget(Exception):
    pass


def to_text(expr: Expr, limit: int | None = None, compact: bool = False,
            memo: dict | None = None) -> str:
    """Print an expression so that it parses back to the same tree.

    With `limit`, the text is cut to that many characters, ending in '…'.
    `compact` drops the spaces around operators, for narrow table cells. With `limit` and a
    `memo` shared between calls, each sub-expression's opening characters are kept, so
    labelling every node of a deep tree costs O(limit) a node instead of O(depth).
    """
    if memo is not None and limit is not None:
        text = _prefix(expr, limit, compact, memo)
        return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"
    out: list[str] = []
    size = 0
    stack: list = [expr]   # Exprs still to print, and literal strings to emit
    try:
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                piece = item
            elif item.kind == "number":
                piece = format_number(item.value)
            elif item.kind == "name" or item.kind == "label":
                piece = item.name
            else:
                stack.extend(reversed(_layout(item, compact)))
                continue
            out.append(piece)
            size += len(piece)
            if limit is not None and size > limit:
                raise _OverBudget
    except _OverBudget:
        return "".join(out)[: max(limit - 1, 1)] + "…"
    return "".join(out)


def _layout(item: Expr, compact: bool = False) -> list:
    """One node as pieces: strings, and child Exprs wrapped in parentheses where needed."""
    args = item.args
    if item.kind in _SURFACE:
        return _SURFACE[item.kind](item)
    op = OPS[item.kind]

    def wrap(position: int, child: Expr) -> list:
        return ["(", child, ")"] if _needs_parens(item, position, child) else [child]

    if op.syntax == "infix":
        symbol = op.symbol if compact else f" {op.symbol} "
        return [*wrap(0, args[0]), symbol, *wrap(1, args[1])]
    if op.syntax == "prefix":
        return [op.symbol, *wrap(0, args[0])]
    parts: list = [op.name, "("]
    for position, arg in enumerate(args):
        if position:
            parts.append(", ")
        parts.append(arg)
    parts.append(")")
    return parts


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
    "index": lambda e: [*_postfix_target(e.args[0]), *_listed(e.args[1:], "[", "]")],
    "array": lambda e: _listed(e.args, "[", "]"),
    "tuple": lambda e: _listed(e.args, "(", ",)" if len(e.args) == 1 else ")"),
    "keyword": lambda e: [e.name + "=", e.args[0]],
    "unpack": lambda e: ["*", e.args[0]],
    "slice": lambda e: [e.args[0] if e.args[0] is not None else "", ":",
                        e.args[1] if e.args[1] is not None else ""],
}


def _prefix(root: Expr, limit: int, compact: bool, memo: dict) -> str:
    """The first limit + 1 characters of root's text, filling memo for every sub-expression."""
    stack: list = [(root, False)]
    while stack:
        expr, ready = stack.pop()
        key = id(expr)
        if key in memo:
            continue
        if expr.kind == "number":
            memo[key] = format_number(expr.value)
            continue
        if expr.kind in ("name", "label"):
            memo[key] = expr.name
            continue
        pieces = _layout(expr, compact)
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
