"""A lowered program: a flat graph in single-assignment form, like a JAX jaxpr, and the
labels by which messages, tables and pictures name its nodes.

Node i is `op(arg ids)` with every arg id < i, so a forward sweep is a plain
loop and a reverse sweep is the same loop backwards. Inputs come first, in
the order they first appear in the text. The graph is stored as parallel
arrays (op per node, argument ids in one flat array with offsets), which keeps
a million-node graph at tens of bytes per node.
"""

from __future__ import annotations

import math
from array import array

from gradcli.errors import Span
from gradcli.lang.expr import Expr
from gradcli.lang.ops import ATOM, CONST, INPUT, Op
from gradcli.lang.printer import strength, to_text
from gradcli.numbers import exact_text

TEXT_LIMIT = 60
LABEL_LIMIT = 12
WORDS_LIMIT = 24
COLUMN_LIMIT = 16


class Graph:
    """A lowered program: nodes in forward order, the output last."""

    __slots__ = ("ops", "arg_start", "arg_ids", "names", "exprs", "leaf_values", "requires_grad",
                 "text_memo", "output", "inputs", "defaults", "source", "filename",
                 "assigned_lines", "env")

    def __init__(self, source: str, filename: str | None):
        self.ops: list[Op] = []
        self.arg_start = array("q", [0])
        self.arg_ids = array("q")
        self.names: list[str | None] = []
        self.exprs: list[Expr | None] = []
        # Values of inputs (their defaults, NaN when none) and constants; NaN for computed nodes.
        self.leaf_values = array("d")
        self.requires_grad = bytearray()
        self.output = -1
        self.inputs: dict[str, int] = {}
        self.defaults: dict[str, float | None] = {}
        self.source = source
        self.filename = filename
        self.assigned_lines: dict[str, int] = {}
        # Printed prefixes of sub-expressions, by (limit, compact): see printer.to_text.
        self.text_memo: dict = {}
        # Every name of the program -> its node, as the lowering left them.
        self.env: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.ops)

    def add(self, op: Op, args, expr: Expr | None, name: str | None = None,
            value: float = math.nan) -> int:
        node = len(self.ops)
        self.ops.append(op)
        grad = False
        for a in args:
            self.arg_ids.append(a)
            grad = grad or self.requires_grad[a]
        self.arg_start.append(len(self.arg_ids))
        self.names.append(name)
        self.exprs.append(expr)
        self.leaf_values.append(value)
        self.requires_grad.append(1 if (grad or op is INPUT) else 0)
        return node

    def args(self, node: int) -> array:
        return self.arg_ids[self.arg_start[node]:self.arg_start[node + 1]]

    def span(self, node: int) -> Span | None:
        expr = self.exprs[node]
        if expr is None or expr.start < 0:
            return None
        return Span(expr.start, expr.end)

    @property
    def output_name(self) -> str:
        """The output's name; an unnamed output is called f, as in the note (out if f is taken)."""
        name = self.names[self.output]
        if name is not None:
            return name
        return "out" if "f" in self.names else "f"

    def is_input(self, node: int) -> bool:
        return self.ops[node] is INPUT

    def is_constant(self, node: int) -> bool:
        return self.ops[node] is CONST

    def truncate(self, last: int) -> None:
        """Drop the nodes after `last`: they cannot feed it."""
        n = last + 1
        del self.ops[n:], self.names[n:], self.exprs[n:], self.leaf_values[n:]
        del self.requires_grad[n:]
        edges = self.arg_start[n]
        del self.arg_start[n + 1:]
        del self.arg_ids[edges:]


# ------------------------------------------------------------------ labels

def node_text(graph: Graph, node: int, limit: int | None = TEXT_LIMIT, compact: bool = False) -> str:
    """The node as the printer writes it: a name for an input, the expression for the rest."""
    op = graph.ops[node]
    if op is INPUT:
        return graph.names[node]
    expr = graph.exprs[node]
    if expr is None:
        return f"#{node}"
    if op is CONST and expr.kind == "number":
        return exact_text(graph.leaf_values[node])
    if limit is None:
        return to_text(expr, compact=compact)
    memo = graph.text_memo.setdefault((limit, compact), {})
    return to_text(expr, limit=limit, compact=compact, memo=memo)


def label(graph: Graph, node: int, long: bool = False) -> str:
    """A short handle for a node in messages and rules: its name, short text, or #id."""
    name = graph.names[node]
    if name is not None:
        return name
    if long:
        return node_text(graph, node, limit=40)
    text = node_text(graph, node, limit=LABEL_LIMIT, compact=True)
    if len(text) <= LABEL_LIMIT and not text.endswith("…"):
        return text
    return f"#{node}"


def column_label(graph: Graph, node: int, limit: int = COLUMN_LIMIT) -> str:
    """A table's node column: a name, the node's text, or "#id text" where its label is an id."""
    name = graph.names[node]
    if name is not None:
        return name
    text = node_text(graph, node, limit=limit)
    return f"#{node} {text}" if label(graph, node).startswith("#") else text


def shown_label(graph: Graph, node: int) -> str:
    """A node's label, with its text where the label is a bare #id (a check's report line)."""
    name = label(graph, node)
    if name.startswith("#") and graph.names[node] is None:
        return f"{name} {node_text(graph, node, limit=16, compact=True)}"
    return name


def in_words(graph: Graph, node: int) -> str:
    """How a sentence names a node: its name (the output's name for an unnamed output), else
    its text, in parentheses when compound: `(w*x + b)`, `sigmoid(q)`."""
    if node == graph.output:
        return graph.output_name
    if graph.names[node] is not None:
        return graph.names[node]
    text = node_text(graph, node, limit=WORDS_LIMIT, compact=True)
    expr = graph.exprs[node]
    return f"({text})" if expr is not None and strength(expr) < ATOM else text


def node_label(graph: Graph, node: int) -> str:
    """A node as a diagnosis or a reason names it: its name (the output's name for the
    output), else its label."""
    return graph.output_name if node == graph.output else label(graph, node)


def place(graph: Graph, node: int) -> str:
    """How a warning names its node: as the table's node column shows it (a name, the text,
    or the #id of an unnamed node whose text the table cuts)."""
    if graph.names[node] is not None:
        return graph.names[node]
    if label(graph, node).startswith("#"):
        return f"#{node}"       # the table prints "#id text…" for these
    return node_text(graph, node, limit=COLUMN_LIMIT)
