"""The finished computation, immutable, as every renderer and the Python API see it.

A Report holds the graph and the arrays of the two sweeps; per-node views are
made on demand, so a million-node report costs no more than its arrays. It is
data only: it computes nothing, and its `to_json` is the one JSON form of a report.
"""

from __future__ import annotations

from array import array
from typing import Iterator, Sequence

from gradcli.defaults import PRECISION
from gradcli.display import Displayable
from gradcli.numbers import json_number, number_label
from gradcli.program.graph import Graph, node_text

# Gradients a repr names before it says how many more there are.
REPR_GRADIENTS = 6


class NodeView:
    """One node of a finished report (the vocabulary of the design notes)."""

    __slots__ = ("id", "name", "op", "text", "span", "value", "inputs", "local", "grad")

    def __init__(self, report: "Report", node: int):
        graph = report.graph
        self.id = node
        self.name = graph.names[node]
        self.op = graph.ops[node].name
        self.text = node_text(graph, node)
        span = graph.span(node)
        self.span = [span.start, span.end] if span is not None else None
        self.value = report.values[node]
        s, e = graph.arg_start[node], graph.arg_start[node + 1]
        self.inputs = list(graph.arg_ids[s:e])
        self.local = list(report.local[s:e])
        self.grad = report.grads[node] if graph.requires_grad[node] else None

    def __repr__(self) -> str:
        return (f"NodeView(id={self.id}, name={self.name!r}, op={self.op!r}, value={self.value!r}, "
                f"grad={self.grad!r})")

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "op": self.op, "text": self.text,
                "span": self.span, "value": json_number(self.value), "inputs": self.inputs,
                "local": [json_number(v) for v in self.local], "grad": json_number(self.grad)}


class NodeList(Sequence):
    """The nodes in forward order, made one at a time as they are read."""

    def __init__(self, report: "Report"):
        self._report = report

    def __len__(self) -> int:
        return len(self._report.graph.ops)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [NodeView(self._report, i) for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return NodeView(self._report, index)

    def __iter__(self) -> Iterator[NodeView]:
        for i in range(len(self)):
            yield NodeView(self._report, i)


class Report(Displayable):
    """Values, gradients, local partials and warnings of one program at one point.

    `domain` names the kind of value it holds ("scalar": floats; the array engine's
    ArrayReport says "array"): renderers and checks are looked up by it. In a notebook or on
    a Rich console it shows its table (gradcli/display.py), and its repr is a one-line summary.
    """

    domain = "scalar"

    def __init__(self, graph: Graph, values: array, grads: array, local: array,
                 warnings: list[dict], bindings: dict[str, float]):
        self.graph = graph
        self.values = values
        self.grads = grads
        self.local = local
        self.warnings = tuple(warnings)
        self.bindings = dict(bindings)
        self.output = graph.output
        self.value = values[graph.output]
        self.gradients = {name: grads[node] for name, node in graph.inputs.items()}
        self.nodes = NodeList(self)
        # --exact past a float overflow: the float sweep's error, raised where a number asked
        # for has no exact form (engine/exact.py).
        self.float_failure = None
        self._consumers: list | None = None

    @property
    def output_name(self) -> str:
        return self.graph.output_name

    def __repr__(self) -> str:
        out = self.output_name
        parts = [f"{out}={number_label(self.value, PRECISION)}"]
        names = list(self.gradients)
        for name in names[:REPR_GRADIENTS]:
            parts.append(f"∂{out}/∂{name}={number_label(self.gradients[name], PRECISION)}")
        if len(names) > REPR_GRADIENTS:
            parts.append(f"… {len(names) - REPR_GRADIENTS} more gradients")
        count = len(self.graph.ops)
        parts.append(f"{count:,} node{'s' * (count != 1)}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def contributions(self, node: int) -> list[tuple[int, float]]:
        """What each consumer sends back to `node` (upstream × local); they add up to its grad."""
        if self._consumers is None:
            graph = self.graph
            consumers: list = [None] * len(graph.ops)
            starts, ids = graph.arg_start, graph.arg_ids
            for i in range(len(graph.ops)):
                for e in range(starts[i], starts[i + 1]):
                    j = ids[e]
                    if consumers[j] is None:
                        consumers[j] = []
                    consumers[j].append((i, e))
            self._consumers = consumers
        edges = self._consumers[node] or ()
        out = []
        # In the order the reverse sweep adds them, as the note's backward code does.
        for consumer, edge in reversed(edges):
            upstream = self.grads[consumer]
            out.append((consumer, self.local[edge] * upstream if upstream else 0.0))
        return out

    def warnings_for(self, node: int) -> list[dict]:
        return [w for w in self.warnings if w["node"] == node]

    def gradient(self, name: str) -> float:
        """∂output/∂name for an input or a named intermediate."""
        return self.grads[self.node_named(name)]

    def node_named(self, name: str) -> int:
        """The node whose gradient `gradient(name)` gives; KeyError where there is none."""
        graph = self.graph
        for node, node_name in enumerate(graph.names):
            if node_name == name and graph.requires_grad[node]:
                return node
        raise KeyError(name)

    def to_json(self) -> dict:
        """The report as JSON data, exactly what `--format json` prints (RFC 8259: non-finite
        numbers as the strings "NaN", "Infinity" and "-Infinity")."""
        return {"value": json_number(self.value), "output": self.output,
                "gradients": {k: json_number(v) for k, v in self.gradients.items()},
                "nodes": [node.to_json() for node in self.nodes],
                "warnings": [dict(w) for w in self.warnings]}
