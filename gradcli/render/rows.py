"""What a person sees of a report, in rows: shared by the table and Markdown renderers.

One row per node in forward order; per input edge, the local partial (with its
rule where that helps) and what the node sends downstream; per fork, each
contribution that adds up into the node's gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradcli.lang.expr import Expr
from gradcli.lang.ops import ATOM, CONST, INPUT
from gradcli.lang.printer import strength, to_text
from gradcli.lang.simplify import local_rules, signed_number
from gradcli.numbers import format_number
from gradcli.program.graph import column_label, label, place
from gradcli.render.settings import Settings

RULE_LIMIT = 10
FORK_LIMIT = 8


@dataclass
class Edge:
    target: str             # the input's label
    rule: str | None        # symbolic local partial, when it says more than the number
    local: float
    downstream: float | None


@dataclass
class Row:
    id: int
    node: str
    op: str
    value: float
    grad: float | None
    edges: list[Edge] = field(default_factory=list)
    contributions: list[tuple[str, float]] = field(default_factory=list)
    flagged: bool = False
    flags: frozenset = frozenset()    # the kinds of warning at this node
    is_input: bool = False


@dataclass
class Gap:
    hidden: int


def _leaf(report, node: int) -> Expr:
    graph = report.graph
    if graph.ops[node] is CONST and graph.names[node] is None:
        return Expr("number", value=graph.leaf_values[node])
    return Expr("label", name=label(graph, node))


def make_row(report, node: int) -> Row:
    graph = report.graph
    op = graph.ops[node]
    shown = column_label(graph, node)
    grad = report.grads[node] if graph.requires_grad[node] else None
    row = Row(node, shown, op.name, report.values[node], grad, is_input=op is INPUT)
    row.flags = frozenset(w["kind"] for w in report.warnings if w["node"] == node)
    row.flagged = bool(row.flags)

    s, e = graph.arg_start[node], graph.arg_start[node + 1]
    targets = list(graph.arg_ids[s:e])
    rules = local_rules(op, _leaf(report, node), [_leaf(report, t) for t in targets]) \
        if targets else []
    for k, target in enumerate(targets):
        if not graph.requires_grad[target]:
            continue    # constants receive no gradient; their partials would only be noise
        local = report.local[s + k]
        rule = rules[k]
        rule_text = None
        if rule is not None and signed_number(rule) is None:
            rule_text = to_text(rule, limit=RULE_LIMIT + 1, compact=True)
            if len(rule_text) > RULE_LIMIT:
                rule_text = None
        downstream = local * grad if grad else 0.0
        target_label = label(graph, target)
        expr = graph.exprs[target]
        if graph.names[target] is None and not target_label.startswith("#") \
                and expr is not None and strength(expr) < ATOM:
            target_label = f"({target_label})"
        row.edges.append(Edge(target_label, rule_text, local, downstream))

    contributions = report.contributions(node)
    if len(contributions) > 1 and graph.requires_grad[node]:
        if len(contributions) > FORK_LIMIT:
            # An input used thousands of times: the largest few, and the rest summed.
            ranked = sorted(contributions, key=lambda c: -abs(c[1]))
            kept = sorted(ranked[:FORK_LIMIT - 1], key=lambda c: -c[0])
            rest = ranked[FORK_LIMIT - 1:]
            row.contributions = [(label(graph, consumer), amount) for consumer, amount in kept]
            row.contributions.append((f"{len(rest):,} more", sum(a for _, a in rest)))
        else:
            row.contributions = [(label(graph, consumer), amount)
                                 for consumer, amount in contributions]
    return row


def entry_place(warning) -> str:
    """Which entries of an array node a warning concerns ("entry [0] and 2 more"), or ""."""
    if "entry" not in warning:
        return ""
    more = warning["entries"] - 1
    return f"entry {warning['entry']}" + (f" and {more} more" if more else "")


def warning_lines(report, prefix: str = "!", warnings=None) -> list[str]:
    """The one way every format writes a warning: its message, then (at NODE[, entry ...])."""
    lines = []
    for w in report.warnings if warnings is None else warnings:
        entries = entry_place(w)
        where = place(report.graph, w["node"]) + (f", {entries}" if entries else "")
        lines.append(f"{prefix} {w['message']} (at {where}).")
    return lines


def rows(report, settings: Settings) -> tuple[list, int]:
    """The rows to show, with a Gap where a huge table is cut; and how many constants were left out."""
    graph = report.graph
    shown = [i for i in range(len(graph.ops))
             if settings.show_all or graph.ops[i] is not CONST]
    hidden_constants = len(graph.ops) - len(shown)
    if settings.show_all or len(shown) <= settings.max_rows:
        return [make_row(report, i) for i in shown], hidden_constants
    half = settings.max_rows // 2
    head = [make_row(report, i) for i in shown[:half]]
    tail = [make_row(report, i) for i in shown[-half:]]
    return head + [Gap(len(shown) - 2 * half)] + tail, hidden_constants


def summary_lines(report, settings: Settings, names: list[str]) -> list[tuple[str, str, float]]:
    """(label, kind, number) for the output and each requested gradient."""
    out_label = report.output_name
    lines = [(out_label, "value", report.value)]
    for name in names:
        lines.append((f"∂{out_label}/∂{name}", "grad", report.gradient(name)))
    return lines


def number(value, settings: Settings) -> str:
    return format_number(value, settings.precision)
