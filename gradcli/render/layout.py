"""A layered layout of the circuit (render/circuit.py) for the HTML page's SVG, so the page never
needs Graphviz: inputs in the first column, each gate one column right of its furthest input,
the output last, as the note draws its figures.

Within a column the gates are ordered by the mean place of their neighbours (a few sweeps
each way, the barycenter heuristic of Sugiyama's method), then each gate is set at the mean
height of its inputs, pushed apart where two would overlap, so a chain of gates draws as a
straight line. Every pass is a loop over the columns: no recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradcli.render.circuit import Circuit

COLUMN = 112        # from one column of gates to the next
ROW = 84            # the least distance between two gates of a column
MARGIN = 56         # around the drawing (input names stand left of their column)
SWEEPS = 4
OUTPUT = "output"   # the key of the output's name, right of the last gate


@dataclass
class Layout:
    points: dict = field(default_factory=dict)     # gate id (or OUTPUT) -> (x, y)
    columns: dict = field(default_factory=dict)    # gate id (or OUTPUT) -> column
    width: float = 0.0
    height: float = 0.0


def lay_out(circuit: Circuit) -> Layout:
    kinds = {gate.id: gate.kind for gate in circuit.gates}
    ids = sorted(kinds)     # node ids are in forward order; the elided box (-1) comes first
    sources: dict = {i: [] for i in ids}
    targets: dict = {i: [] for i in ids}
    for wire in circuit.wires:
        if wire.source in kinds and wire.target in kinds:
            sources[wire.target].append(wire.source)
            targets[wire.source].append(wire.target)

    column: dict = {}
    for i in ids:
        if kinds[i] in ("variable", "elided") or not sources[i]:
            column[i] = 0
        else:
            column[i] = 1 + max(column[s] for s in sources[i])
    # A constant stands just left of the first gate that reads it.
    for i in ids:
        if kinds[i] == "constant" and targets[i]:
            column[i] = max(0, min(column[t] for t in targets[i]) - 1)
    last = max(column.values(), default=0)
    if circuit.output in column:
        column[OUTPUT] = column[circuit.output] + 1
        last = column[OUTPUT]

    layers: list[list] = [[] for _ in range(last + 1)]
    for i in ids:
        layers[column[i]].append(i)

    # The order within each column: inputs keep the order they appear in the text.
    rank = {i: float(k) for layer in layers for k, i in enumerate(layer)}
    fixed = {i for i in ids if kinds[i] == "variable"}
    for _ in range(SWEEPS):
        for neighbours, order in ((sources, range(1, last + 1)), (targets, range(last, -1, -1))):
            for c in order:
                layer = layers[c]
                if any(i in fixed for i in layer):
                    continue
                layer.sort(key=lambda i: _mean([rank[n] for n in neighbours[i]], rank[i]))
                for k, i in enumerate(layer):
                    rank[i] = float(k)

    height_of: dict = {}
    for k, i in enumerate(layers[0]):
        height_of[i] = k * ROW
    for c in range(1, last + 1):
        _settle(layers[c], sources, height_of)
    # Gates with no inputs drawn (constants, inputs) move toward what they feed, then the
    # gates follow their inputs again.
    for c in range(last - 1, -1, -1):
        _settle(layers[c], targets, height_of, only_leaves=sources)
    for c in range(1, last + 1):
        _settle(layers[c], sources, height_of)

    top = min(height_of.values(), default=0.0)
    layout = Layout()
    for i in ids:
        layout.points[i] = (MARGIN + column[i] * COLUMN, MARGIN + height_of[i] - top)
        layout.columns[i] = column[i]
    if OUTPUT in column:
        layout.points[OUTPUT] = (MARGIN + column[OUTPUT] * COLUMN - COLUMN / 3,
                                 layout.points[circuit.output][1])
        layout.columns[OUTPUT] = column[OUTPUT]
    layout.width = max([x for x, _ in layout.points.values()] + [0]) + MARGIN
    layout.height = max([y for _, y in layout.points.values()] + [0]) + MARGIN
    return layout


def _mean(numbers: list[float], default: float) -> float:
    return sum(numbers) / len(numbers) if numbers else default


def _settle(layer: list, neighbours: dict, height_of: dict, only_leaves: dict | None = None):
    """Set each gate of a column at the mean height of its neighbours, in the column's order,
    at least ROW apart; then shift the column so it sits as near those heights as it can."""
    wanted = []
    for i in layer:
        placed = [height_of[n] for n in neighbours[i] if n in height_of]
        keep = only_leaves is not None and only_leaves[i]
        wanted.append(height_of[i] if keep and i in height_of else
                      _mean(placed, height_of.get(i, wanted[-1] + ROW if wanted else 0.0)))
    heights = []
    for k, want in enumerate(wanted):
        heights.append(want if k == 0 else max(want, heights[-1] + ROW))
    if heights:
        shift = _mean([w - h for w, h in zip(wanted, heights)], 0.0)
        for k, i in enumerate(layer):
            height_of[i] = heights[k] + shift
