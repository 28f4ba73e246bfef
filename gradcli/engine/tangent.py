"""Forward mode: the tangent sweep, the other half of automatic differentiation.

Seeding an input x with tangent 1 and pushing tangents front to back
(ṅode = Σ local × ṫhe argument's tangent) gives ∂node/∂x for every node in one
sweep. Reverse mode gives ∂f/∂node for every node in one sweep instead. So
forward mode costs one sweep per input and reverse mode one per output: forward
is cheaper with few inputs and many outputs, reverse (backpropagation) with
many inputs and one output, as in training a network.
"""

from __future__ import annotations

from gradcli.engine.scalar import FLOAT
from gradcli.engine.sweep import tangents
from gradcli.errors import InputError

NOTE = "Forward mode costs one sweep per input; reverse mode, one per output."


def columns(report, names) -> dict:
    """∂node/∂name for every node, one column per input name."""
    graph = report.graph
    out = {}
    for name in names:
        node = graph.inputs.get(name)
        if node is None:
            known = ", ".join(graph.inputs) or "none"
            raise InputError(f"--mode forward --wrt {name}: forward mode seeds an input, and "
                             f"{name!r} is not one (the inputs are: {known})")
        out[name] = tangents(graph, FLOAT, report.values, node)
    return out
