"""`--at-file`: every point of a CSV in one vectorized sweep instead of one program run per row.

The program is lowered once by the scalar engine. Each CSV column is bound as a
1-D array (one entry per row), command-line bindings and defaults stay numbers,
and the graph is swept forward with the op table's array kernels and backward
with its VJPs from an upstream of ones: since every scalar op is element-wise,
entry i of each node's gradient is row i's gradient, what the row's own run
computes (up to rounding: numpy's exp is not Python's math.exp to the last bit).
Points are swept in blocks of BLOCK rows.

Each row then becomes the same Record the row-by-row path makes: a scalar
Report over the shared graph, with that row's values and gradients, the local
partials and warnings from the scalar engine's own rules. A row whose maths
fails anywhere (a non-finite value or gradient) is run again on its own, so its
record carries the very error the row-by-row path gives.

gradcli.compute.points_graph says which programs can be swept so; the others run
row by row.
"""

from __future__ import annotations

import numpy as np

from gradcli.engine.sweep import Domain, VjpDomain, forward, vjp_reverse

# Points swept together. A block's arrays stay in the CPU's caches and its memory is reused
# from block to block (one sweep over 10^6 points would page in hundreds of megabytes);
# blocks of 256 KiB also let numpy reuse temporaries in place, and keep the Python cost
# per block (about 0.2 ms for the staged function) small beside the arithmetic.
BLOCK = 32768


class PointSweep:
    """Values and gradients of every node at every point (1-D arrays, or numbers for nodes that
    depend on no column), and which points need a run of their own."""

    def __init__(self, graph, values: list, grads: list, count: int, failed: np.ndarray | None):
        self.graph = graph
        self.values = values
        self.grads = grads
        self.count = count
        self.failed = failed        # bool per point, or None when no point failed

    def gradient(self, name: str) -> np.ndarray:
        node = self.graph.inputs[name]
        return np.broadcast_to(self.grads[node], (self.count,))


class Columns(Domain):
    """Each value a column of points (or a number where no column reaches): the op table's
    element-wise array kernels, with IEEE arithmetic (a failure is found afterwards)."""

    failures = ()

    def kernel(self, op):
        return op.array_forward


class ColumnsVjp(VjpDomain):
    def __init__(self, graph):
        self.graph = graph

    def send(self, node: int, g, ans, args):
        return self.graph.ops[node].vjp(g, ans, *args)


def sweep(graph, columns: dict[str, np.ndarray], numbers: dict[str, float]) -> PointSweep:
    """Forward and reverse over every point at once. `columns` are 1-D float arrays of one length;
    `numbers` bind the other inputs (defaults fill the rest)."""
    count = len(next(iter(columns.values())))
    # numpy scalars, not Python floats: 1.0 / 0.0 between two of them is inf, not an exception.
    values: list = [np.float64(v) for v in graph.leaf_values]
    for name, node in graph.inputs.items():
        if name in columns:
            values[node] = columns[name]
        elif name in numbers:
            values[node] = np.float64(numbers[name])
    failed = None
    with np.errstate(all="ignore"):
        forward(graph, Columns(), values)
        for i in range(len(graph.ops)):
            if graph.arg_start[i] == graph.arg_start[i + 1]:
                continue
            result = values[i]
            if np.ndim(result):
                # One pairwise sum per node finds any inf or NaN (both survive addition).
                if not np.isfinite(np.add.reduce(result)):
                    bad = ~np.isfinite(result)
                    failed = bad if failed is None else failed | bad
            elif not np.isfinite(result):
                failed = np.ones(count, dtype=bool)     # a node no column reaches: every row
        # Upstream 1 for every point: a number, not an array of ones, so the output's rule
        # does not multiply by a column of ones.
        grads, _ = vjp_reverse(graph, ColumnsVjp(graph), values, np.float64(1.0))
        # A non-finite gradient anywhere reaches the inputs' gradients (inf and NaN spread
        # through products and sums), so these few passes find every such point.
        for node in graph.inputs.values():
            grad = grads[node]
            if np.ndim(grad) and not np.isfinite(np.add.reduce(grad)):
                bad = ~np.isfinite(grad)
                failed = bad if failed is None else failed | bad
    return PointSweep(graph, values, grads, count, failed)


def sweep_all(graph, columns: dict[str, np.ndarray], numbers: dict[str, float]):
    """The output's value and every input's gradient at every point, block by block:
    (value, {input: gradient}, failed points or None). Python API and the benchmark."""
    count = len(next(iter(columns.values())))
    value = np.empty(count)
    grads = {name: np.empty(count) for name in graph.inputs}
    failed = None
    for first in range(0, count, BLOCK):
        last = min(first + BLOCK, count)
        block = sweep(graph, {k: v[first:last] for k, v in columns.items()}, numbers)
        value[first:last] = block.values[graph.output]
        for name, node in graph.inputs.items():
            grads[name][first:last] = 0.0 if block.grads[node] is None else block.grads[node]
        if block.failed is not None:
            if failed is None:
                failed = np.zeros(count, dtype=bool)
            failed[first:last] = block.failed
    return value, grads, failed


def sweep_rows(graph, points: list[dict], numbers: dict[str, float]):
    """Per block of points: (first, values per point, gradients per point, whether each
    point failed), each point's entries as plain lists of floats, in node order."""
    names = list(points[0]) if points else []
    columns = {name: np.fromiter((point[name] for point in points), dtype=float,
                                 count=len(points)) for name in names}
    n = len(graph.ops)
    for first in range(0, len(points), BLOCK):
        last = min(first + BLOCK, len(points))
        swept = sweep(graph, {k: v[first:last] for k, v in columns.items()}, numbers)
        failed = [False] * (last - first) if swept.failed is None else swept.failed.tolist()
        # + 0.0: the scalar sweep adds every contribution to a gradient of +0.0, so -0.0 never
        # survives there; nor may it here.
        yield (first, _rows(swept.values, last - first, n), _rows(swept.grads, last - first, n, 0.0),
               failed)


def _rows(per_node: list, count: int, n: int, plus=None) -> list:
    """Each point's entries of every node, as one list of floats per point."""
    block = np.zeros((n, count))
    for i, value in enumerate(per_node):
        if value is not None:
            block[i] = value
    if plus is not None:
        block += plus
    return block.T.tolist()
