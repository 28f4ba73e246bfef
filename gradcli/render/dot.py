"""Graphviz DOT of the circuit, drawn as the CS231n note draws it.

Inputs on the left, the output on the right, one circle per gate; every wire
carries its forward value in green above it and the gradient flowing back
along it in red below it (at a fork each wire carries its own share; the
shares add up at the node they leave).
"""

from __future__ import annotations

from gradcli.render.circuit import ELIDED, build, wire_label
from gradcli.render.settings import Settings
from gradcli.render.style import GRAD_COLOR, VALUE_COLOR


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _node_id(node: int) -> str:
    return "elided" if node == ELIDED else f"n{node}"


def _wire_node(ident: str, value: str, grad: str | None) -> str:
    """A wire's labels as a node the wire runs through: the line between the two cells is
    drawn as part of the wire, with the value above it and the gradient below it."""
    grad_cell = f'<font color="{GRAD_COLOR}">{_html(grad)}</font>' if grad is not None else " "
    return (f'  {ident} [shape=plaintext, margin=0, width=0, height=0, label=<<table border="0" cellborder="0" '
            f'cellspacing="0" cellpadding="2"><tr><td border="1" sides="b">'
            f'<font color="{VALUE_COLOR}">{_html(value)}</font></td></tr>'
            f"<tr><td>{grad_cell}</td></tr></table>>];")


def render(report, settings: Settings) -> str:
    circuit = build(report, max_nodes=settings.max_nodes, show_all=settings.show_all)
    out = circuit.output_name
    lines = ["digraph circuit {",
             "  rankdir=LR;",
             '  graph [fontname="Helvetica", nodesep=0.5, ranksep=0.35];',
             '  node [fontname="Helvetica", fontsize=12];',
             '  edge [fontname="Helvetica", fontsize=11, arrowsize=0.6];']
    if circuit.note:
        lines.append(f"  label={_quote(circuit.note)}; labelloc=b; fontsize=10;")
    for gate in circuit.gates:
        ident = _node_id(gate.id)
        if gate.kind == "variable":
            attrs = f"label={_quote(gate.title)}, shape=plaintext, fontsize=14, width=0, margin=0.05"
        elif gate.kind == "constant":
            attrs = f"label={_quote(gate.title)}, shape=plaintext, fontcolor=gray30, width=0, margin=0.05"
        elif gate.kind == "elided":
            attrs = f"label={_quote(gate.title)}, shape=box, style=dashed, fontcolor=gray40"
        elif gate.subtitle:
            attrs = (f'label=<<b>{_html(gate.title)}</b><br/><font point-size="10">'
                     f"{_html(gate.subtitle)}</font>>, shape=circle, margin=0.02")
        else:
            attrs = f"label={_quote(gate.title)}, shape=circle, margin=0.02"
        lines.append(f"  {ident} [{attrs}];")
    inputs = [_node_id(g.id) for g in circuit.gates if g.kind == "variable"]
    if len(inputs) > 1:
        # All inputs in the first column, top to bottom in the order they appear in the text.
        lines.append("  { rank=source; " + " -> ".join(inputs) + " [style=invis]; }")
    lines.append(f"  output [label={_quote(out)}, shape=plaintext, fontsize=14, width=0, margin=0.05];")
    wires = [(w.source, w.target, w.value, w.grad) for w in circuit.wires]
    wires.append((circuit.output, "output", circuit.output_value, circuit.output_grad))
    for k, (source, target, wire_value, wire_grad) in enumerate(wires):
        head = target if isinstance(target, str) else _node_id(target)
        if source == ELIDED:
            lines.append(f"  elided -> {head} [style=dashed];")
            continue
        value, grad = wire_label(wire_value, wire_grad, settings.precision)
        lines.append(_wire_node(f"w{k}", value, grad))
        lines.append(f"  {_node_id(source)} -> w{k}:w [arrowhead=none];")
        lines.append(f"  w{k}:e -> {head};")
    lines.append("}")
    return "\n".join(lines) + "\n"
