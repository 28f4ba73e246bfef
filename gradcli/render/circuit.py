"""The circuit as the note draws it: gates, and wires carrying a value and a gradient.

Shared by the DOT and Mermaid renderers. A gate whose other arguments are plain
constants shows them in its label, as the note's figures do ("+1", "*-1"), so
constants do not clutter the picture with wires of their own.

Large graphs stay legible: past `max_nodes` gates only those nearest the output
are drawn (inputs always are), and everything further back is one elided box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradcli.lang.expr import Expr
from gradcli.lang.ops import CONST, INPUT
from gradcli.lang.printer import to_text
from gradcli.numbers import number_label
from gradcli.program.graph import node_text

HOLE = "·"      # the wire's place in a gate label with constants folded in: "1 / ·"
ELIDED = -1     # the id of the box standing for the nodes not drawn


@dataclass
class Gate:
    id: int
    kind: str            # "variable" (an input), "constant", "gate" or "elided"
    title: str           # a name (inputs, named intermediates) or the op's symbol
    subtitle: str = ""   # the op under a named intermediate's name


@dataclass
class Wire:
    source: int
    target: int
    value: float | None
    grad: float | None   # what flows back along this wire: upstream × local


@dataclass
class Circuit:
    gates: list[Gate] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    output: int = 0
    output_value: float = 0.0
    output_name: str = "f"
    output_grad: object = 1.0   # the upstream gradient the reverse sweep started from
    elided: int = 0      # nodes hidden behind the elided box
    note: str = ""


def _is_plain_constant(graph, node: int) -> bool:
    return graph.ops[node] is CONST and graph.names[node] is None


def op_label(graph, node: int, folded: list[int]) -> str:
    """The gate's face: its symbol or function name, with folded constants written in."""
    op = graph.ops[node]
    args = list(graph.args(node))
    if op.syntax == "literal":
        # Written around its array (w[0], [a, b]): the source text with the wire as a hole.
        text = node_text(graph, node, limit=16)
        base = node_text(graph, args[0], limit=None) if len(args) == 1 else ""
        return HOLE + text[len(base):] if base and text.startswith(base) else text
    if not folded:
        if op.syntax == "infix":
            return op.symbol
        if op.syntax == "prefix":
            return op.symbol + HOLE
        return op.name
    parts = [Expr("label", name=node_text(graph, a, limit=10)) if a in folded
             else Expr("name", name=HOLE) for a in args]
    return to_text(Expr(op.name, tuple(parts)), compact=True)


def build(report, max_nodes: int = 80, show_all: bool = False) -> Circuit:
    graph = report.graph
    values, grads, local = report.values, report.grads, report.local
    n = graph.output + 1
    arrays = report.domain == "array"
    circuit = Circuit(output=graph.output, output_value=report.value,
                      output_name=report.output_name,
                      output_grad=report.upstream if arrays else 1.0)

    # Constants folded into their gate's label (when the gate still has a wire coming in).
    folded_into: dict[int, list[int]] = {}
    uses = [0] * n
    for i in range(n):
        for a in graph.args(i):
            uses[a] += 1
    for i in range(n):
        args = list(graph.args(i))
        constants = [a for a in args if _is_plain_constant(graph, a) and uses[a] == 1]
        if constants and len(constants) < len(args):
            folded_into[i] = constants
    hidden_constants = {c for cs in folded_into.values() for c in cs}

    candidates = [i for i in range(n) if i not in hidden_constants]
    drawn = set(candidates)
    if not show_all and len(candidates) > max_nodes:
        # The gates nearest the output, and the inputs that feed them directly.
        gates = [i for i in candidates if graph.ops[i] is not INPUT]
        drawn = set(gates[-max_nodes:])
        for i in list(drawn):
            drawn.update(a for a in graph.args(i) if graph.ops[a] is INPUT)
        circuit.elided = len(candidates) - len(drawn)
        circuit.note = (f"{circuit.elided:,} of {len(candidates):,} nodes are not drawn: only "
                        f"the {min(max_nodes, len(gates)):,} gates nearest the output and their "
                        "inputs (--all draws every node)")

    for i in range(n):
        if i not in drawn:
            continue
        op = graph.ops[i]
        name = graph.names[i]
        if op is INPUT:
            circuit.gates.append(Gate(i, "variable", name))
        elif op is CONST and name is None:
            circuit.gates.append(Gate(i, "constant", node_text(graph, i, limit=16)))
        else:
            face = op_label(graph, i, folded_into.get(i, []))
            if name is not None:
                circuit.gates.append(Gate(i, "gate", name, face))
            else:
                circuit.gates.append(Gate(i, "gate", face))
    if circuit.elided:
        circuit.gates.insert(0, Gate(ELIDED, "elided", f"… {circuit.elided:,} nodes"))

    elided_wires: set[int] = set()
    starts, ids = graph.arg_start, graph.arg_ids
    for i in range(n):
        if i not in drawn:
            continue
        g = grads[i] if graph.requires_grad[i] else None
        for e in range(starts[i], starts[i + 1]):
            a = ids[e]
            if a in hidden_constants and a in folded_into.get(i, ()):
                continue
            grad = None
            if graph.requires_grad[a] and g is not None:
                if arrays:      # array edges keep what their VJP sent, not a local partial
                    grad = report.downstream[e]
                else:
                    grad = local[e] * g if g else 0.0
            if a in drawn:
                circuit.wires.append(Wire(a, i, values[a], grad))
            elif i not in elided_wires:
                # One anonymous wire from the elided part into each gate it feeds.
                elided_wires.add(i)
                circuit.wires.append(Wire(ELIDED, i, None, None))
    return circuit


def wire_label(wire_value, wire_grad, precision: int) -> tuple[str, str | None]:
    value = number_label(wire_value, precision) if wire_value is not None else ""
    grad = number_label(wire_grad, precision) if wire_grad is not None else None
    return value, grad
