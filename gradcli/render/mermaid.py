"""Mermaid flowchart of the circuit, for Markdown notes: wires labelled "value / grad"."""

from __future__ import annotations

from gradcli.render.circuit import ELIDED, build, wire_label
from gradcli.render.settings import Settings


def _text(text: str) -> str:
    # Mermaid labels are quoted; a double quote inside one is written as an entity.
    return '"' + text.replace('"', "#quot;") + '"'


def _node_id(node: int) -> str:
    return "elided" if node == ELIDED else f"n{node}"


def render(report, settings: Settings) -> str:
    circuit = build(report, max_nodes=settings.max_nodes, show_all=settings.show_all)
    lines = ["flowchart LR"]
    for gate in circuit.gates:
        ident = _node_id(gate.id)
        if gate.kind in ("variable", "constant"):
            lines.append(f"  {ident}[{_text(gate.title)}]")
        elif gate.kind == "elided":
            lines.append(f"  {ident}[/{_text(gate.title)}/]")
        else:
            title = f"{gate.title}<br/>{gate.subtitle}" if gate.subtitle else gate.title
            lines.append(f"  {ident}(({_text(title)}))")
    lines.append(f"  output[{_text(circuit.output_name)}]")
    wires = [(w.source, _node_id(w.target), w.value, w.grad) for w in circuit.wires]
    wires.append((circuit.output, "output", circuit.output_value, circuit.output_grad))
    for source, head, wire_value, wire_grad in wires:
        if source == ELIDED:
            lines.append(f"  elided -.-> {head}")
            continue
        value, grad = wire_label(wire_value, wire_grad, settings.precision)
        text = value if grad is None else f"{value} / {grad}"
        lines.append(f"  {_node_id(source)} -- {_text(text)} --> {head}")
    for gate in circuit.gates:
        if gate.kind in ("variable", "constant"):
            lines.append(f"  style {_node_id(gate.id)} fill:none,stroke:none")
    lines.append("  style output fill:none,stroke:none")
    if circuit.note:
        lines.append(f"  %% {circuit.note}")
    lines.append(f"  %% wires: value / gradient (∂{circuit.output_name}/∂wire)")
    return "\n".join(lines) + "\n"
