"""--explain: the backward pass told step by step, from the finished report.

Each step is one node in reverse order: the upstream gradient it received,
how its kind of gate passes gradients back (the note's words, from the op
table's `gate` field), and for each input the local rule, its number, and what
it sends (local × upstream). Where a value is used more than once, the step
first shows its contributions adding up at the fork. Every number is read from
the report, so the story and the table cannot disagree.
"""

from __future__ import annotations

import textwrap

from gradcli.lang.expr import Expr
from gradcli.lang.ops import ATOM
from gradcli.lang.printer import strength, to_text
from gradcli.lang.simplify import local_rules
from gradcli.numbers import number_label
from gradcli.program.graph import node_text
from gradcli.render.python import variable_names
from gradcli.render.rows import entry_place
from gradcli.render.settings import Settings

WIDTH = 80
GENERIC_GATE = "multiplies the gradient by its local derivative"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False)


SHORT = 16
FORK_TERMS = 8      # a fork with more uses is summed up in words, not term by term


def short_text(report, node: int) -> str | None:
    """The node's own text when it is short enough to name it in the story."""
    graph = report.graph
    if graph.names[node] is not None or node == graph.output:
        return graph.names[node] or report.output_name
    text = node_text(graph, node, limit=SHORT)
    return None if text.endswith("…") else text


def reference(report, node: int, names) -> Expr:
    """How the story names a node: its name (f for the output), its own expression when
    short, else t1, t2, ... as in --format python."""
    graph = report.graph
    text = short_text(report, node)
    if text is None:
        return Expr("name", name=names[node])
    if graph.names[node] is None and node != graph.output and graph.exprs[node] is not None:
        return graph.exprs[node]
    return Expr("name", name=text)


def handle(report, node: int, names) -> str:
    """The reference as text, in parentheses when compound (as in ∂f/∂(x + y))."""
    expr = reference(report, node, names)
    text = to_text(expr, limit=SHORT + 4)
    return f"({text})" if strength(expr) < ATOM else text


def body(report, node: int, names) -> str:
    """What the node computes, its arguments written by their references."""
    graph = report.graph
    op = graph.ops[node]
    if op.syntax == "literal":      # w[0], [a, b]: their static parts live in the source text
        return node_text(graph, node, limit=70)
    args = tuple(reference(report, a, names) for a in graph.args(node))
    source = graph.exprs[node]
    if source is not None and source.kind == "call" and len(source.args) == len(args) + 1:
        # Spelled as the program (and the table) spell it: math.exp(-x), not exp(-x).
        return to_text(Expr("call", (source.args[0], *args)), limit=70)
    return to_text(Expr(op.name, args), limit=70)


def render(report, settings: Settings) -> str:
    graph = report.graph
    out = report.output_name
    # Numbers, or for an array program's arrays their shape and first entries.
    number = lambda v: number_label(v, settings.precision)   # noqa: E731
    names = variable_names(report)
    lines = _wrap(f"Backward pass of {out} = {body(report, graph.output, names)} "
                  f"(value {number(report.value)}), from the output back to the inputs.", "")
    steps = [i for i in range(graph.output, -1, -1)
             if graph.arg_start[i + 1] > graph.arg_start[i] and graph.requires_grad[i]]
    limit = None if settings.show_all else settings.max_rows
    # The t-names the shown steps use, defined up front (only those: printing a node's text
    # costs its depth, so the story never looks at nodes it does not show).
    mentioned = {graph.output}
    for node in steps[:limit]:
        mentioned.add(node)
        mentioned.update(graph.args(node))
    long_ones = [i for i in sorted(mentioned) if i != graph.output and names[i] is not None
                 and graph.names[i] is None and short_text(report, i) is None]
    if long_ones:
        lines.append("Where:")
        for i in long_ones:
            lines.extend(_wrap(f"{names[i]} = {body(report, i, names)}", "  "))
    if report.domain == "array" and report.upstream.ndim:
        lines += _wrap(f"It starts with the upstream gradient ∂{out}/∂{out} = "
                       f"{number(report.upstream)} ({report.upstream_source}; see --upstream).",
                       "")
        lines.append("")
    else:
        lines += [f"It starts with ∂{out}/∂{out} = 1.", ""]
    for count, node in enumerate(steps, 1):
        if limit is not None and count > limit:
            lines.append(f"… {len(steps) - limit:,} more steps not shown (--all shows every step).")
            lines.append("")
            break
        lines.extend(_step(report, node, count, number, names))
        lines.append("")

    if not graph.inputs:
        lines.append("The program has no inputs, so there are no gradients on inputs.")
        return "\n".join(lines) + "\n"
    lines.append("Gradients on the inputs:")
    for name, node in graph.inputs.items():
        lines.extend(_wrap(f"∂{out}/∂{name} = {number(report.grads[node])}.", "  "))
        lines.extend(_fork(report, node, number, "    ", names))
    return "\n".join(lines) + "\n"


def _step(report, node: int, count: int, number, names) -> list[str]:
    graph = report.graph
    out = report.output_name
    op = graph.ops[node]
    me = handle(report, node, names)
    title = body(report, node, names)
    if short_text(report, node) != node_text(graph, node, limit=SHORT):
        title = f"{me} = {title}"
    lines = _wrap(f"Step {count}. {title}: {_article(op.name)} {op.name} gate, value "
                  f"{number(report.values[node])}.", "")
    lines.extend(_fork(report, node, number, "  ", names))
    upstream = report.grads[node]
    lines.extend(_wrap(f"Upstream gradient: ∂{out}/∂{me} = "
                       f"{number(upstream)}.", "  "))
    args = list(graph.args(node))
    gate = op.gate.format(*[handle(report, a, names) for a in args]) if op.gate \
        else GENERIC_GATE
    lines.extend(_wrap(f"{_article(op.name).capitalize()} {op.name} gate {gate}.", "  "))
    ans = reference(report, node, names)
    rules = local_rules(op, ans, [reference(report, a, names) for a in args])
    start = graph.arg_start[node]
    for k, a in enumerate(args):
        if not graph.requires_grad[a]:
            continue
        local = report.local[start + k]
        if local is None or getattr(local, "ndim", 0):
            # An array edge: no local Jacobian is built; say what the op's VJP sent back.
            lines.extend(_wrap(f"→ {handle(report, a, names)}: receives "
                               f"{number(report.downstream[start + k])}.", "  "))
            continue
        rule = rules[k]
        rule_text = ""
        if rule is not None and rule.kind != "number":
            rule_text = to_text(rule, limit=60)
            rule_text = "" if rule_text == number(local) else rule_text + " = "
        sent = local * upstream if upstream else 0.0
        lines.extend(_wrap(f"→ {handle(report, a, names)}: local ∂{me}/∂{handle(report, a, names)} = "
                           f"{rule_text}{number(local)}; sends {number(local)} × "
                           f"{_signed(number(upstream))} = {number(sent)}.", "  "))
    if report.domain == "array":
        analysis = report.dimension_analysis(node)
        if analysis:
            lines.extend(_wrap("Dimension analysis (each gradient has its input's shape):", "  "))
            lines.extend(f"    {line}" for line in analysis)
    for warning in report.warnings_for(node):
        entries = entry_place(warning)
        lines.extend(_wrap(f"! {warning['message']}" + (f" (at {entries})." if entries else "."),
                           "  "))
    return lines


def _signed(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _fork(report, node: int, number, indent: str, names) -> list[str]:
    contributions = report.contributions(node)
    if len(contributions) < 2:
        return []
    if len(contributions) > FORK_TERMS:
        return _wrap(f"At this fork the gradients add up: it is used {len(contributions):,} "
                     f"times, and the {len(contributions):,} contributions add up to "
                     f"∂{report.output_name}/∂{handle(report, node, names)} = "
                     f"{number(report.grads[node])}.", indent)
    terms = " + ".join(f"{_signed(number(amount))} (from {handle(report, consumer, names)})"
                       for consumer, amount in contributions)
    return _wrap(f"At this fork the gradients add up: it is used {len(contributions)} times, so "
                 f"∂{report.output_name}/∂{handle(report, node, names)} = {terms} = "
                 f"{number(report.grads[node])}.", indent)
