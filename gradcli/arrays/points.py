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

`sweep_points` returns None where a program cannot be vectorized (see there);
the caller then runs row by row.
"""

from __future__ import annotations

from array import array

import numpy as np

from gradcli.errors import GradcliError

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


def lower_for_points(program: str, filename: str | None, output: str | None):
    """The scalar graph, or None when the program needs the array engine itself: its rows are
    array programs, and a column of points would add an axis its shapes do not expect."""
    from gradcli.graph import NeedsArrays, lower
    from gradcli.syntax import parse

    try:
        graph = lower(parse(program), program, filename, output)
    except NeedsArrays:
        return None
    # Only element-wise ops vectorize over points; a scalar op without array kernels cannot.
    if any(op.array_forward is None or op.vjp is None for op in graph.ops
           if op.forward is not None):
        return None
    return graph


def sweep(graph, columns: dict[str, np.ndarray], numbers: dict[str, float]) -> PointSweep:
    """Forward and reverse over every point at once. `columns` are 1-D float arrays of one length;
    `numbers` bind the other inputs (defaults fill the rest)."""
    count = len(next(iter(columns.values())))
    ops, starts, ids, wants = graph.ops, graph.arg_start, graph.arg_ids, graph.requires_grad
    n = len(ops)
    # numpy scalars, not Python floats: 1.0 / 0.0 between two of them is inf, not an exception.
    values: list = [np.float64(v) for v in graph.leaf_values]
    for name, node in graph.inputs.items():
        if name in columns:
            values[node] = columns[name]
        elif name in numbers:
            values[node] = np.float64(numbers[name])
    failed = None
    with np.errstate(all="ignore"):
        for i in range(n):
            s, e = starts[i], starts[i + 1]
            if s == e:
                continue
            result = ops[i].array_forward(*[values[j] for j in ids[s:e]])
            values[i] = result
            if np.ndim(result):
                # One pairwise sum per node finds any inf or NaN (both survive addition).
                if not np.isfinite(np.add.reduce(result)):
                    bad = ~np.isfinite(result)
                    failed = bad if failed is None else failed | bad
            elif not np.isfinite(result):
                failed = np.ones(count, dtype=bool)     # a node no column reaches: every row

        grads: list = [None] * n
        owned = bytearray(n)            # whether grads[i] is our own array, safe to add into
        out = graph.output
        # Upstream 1 for every point: a number, not an array of ones, so the output's rule
        # does not multiply by a column of ones.
        grads[out] = np.float64(1.0)
        for i in range(out, -1, -1):
            s, e = starts[i], starts[i + 1]
            g = grads[i]
            if s == e or g is None or not wants[i]:
                continue
            parts = ops[i].vjp(g, values[i], *[values[j] for j in ids[s:e]])
            for k in range(e - s):
                j = ids[s + k]
                if not wants[j]:
                    continue
                part = parts[k]
                if callable(part):
                    part = part()
                if grads[j] is None:
                    # A rule may hand back g itself (add's): shared until someone adds to it.
                    grads[j] = part
                    owned[j] = 0
                elif owned[j]:
                    np.add(grads[j], part, out=grads[j])
                else:
                    grads[j] = grads[j] + part
                    owned[j] = np.ndim(grads[j]) != 0
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


def prepare_points(program: str, points: list[tuple[int, dict]], bindings: dict, *,
                   filename: str | None = None, output: str | None = None):
    """(graph, columns, numbers) for the rows `points` (row number, bindings), or None where the
    program cannot be vectorized: it uses arrays itself, it has an op without element-wise
    kernels, or lowering or binding fails (every row then fails alike, and the row-by-row path
    words that error per row)."""
    from gradcli.report import check_bindings

    if not points:
        return None
    try:
        graph = lower_for_points(program, filename, output)
        if graph is None:
            return None
        names = list(points[0][1])
        check_bindings(graph, {**bindings, **{name: 0.0 for name in names}})
    except GradcliError:
        return None
    columns = {name: np.fromiter((point[name] for _, point in points), dtype=float,
                                 count=len(points)) for name in names}
    numbers = {name: value for name, value in bindings.items() if name in graph.inputs}
    return graph, columns, numbers


def records(program: str, points: list[tuple[int, dict]], result, bindings: dict, checks,
            filename: str | None, output: str | None):
    """The row-by-row path's records, in order, from one sweep."""
    from gradcli.batchrun import Record, run_checks, run_one
    from gradcli.errors import InternalError
    from gradcli.report import Report, check_bindings
    from gradcli.sweep import check_gradients

    graph, columns, numbers = result
    n = len(graph.ops)
    ops, starts, ids = graph.ops, graph.arg_start, graph.arg_ids
    edges = len(ids)
    for first in range(0, len(points), BLOCK):
        last = min(first + BLOCK, len(points))
        swept = sweep(graph, {k: v[first:last] for k, v in columns.items()}, numbers)
        failed = swept.failed
        block_values = _rows(swept.values, last - first, n)
        # + 0.0: the scalar sweep adds every contribution to a gradient of +0.0, so -0.0 never
        # survives there; nor may it here.
        block_grads = _rows(swept.grads, last - first, n, 0.0)
        for r in range(first, last):
            row, point = points[r]
            if failed is not None and failed[r - first]:
                record = run_one(row, program, key="row", bindings={**bindings, **point},
                                 checks=checks, filename=filename, output=output)
                record.point = point
                yield record
                continue
            record = Record(row, program, "row", hide_answers=checks.hide_answers)
            try:
                values = array("d", block_values[r - first])
                grads = array("d", block_grads[r - first])
                local = array("d", bytes(8 * edges))
                # The local partials by the scalar rules, as the scalar reverse sweep takes them.
                for i in range(n):
                    s, e = starts[i], starts[i + 1]
                    if s != e:
                        local[s:e] = array("d", ops[i].partials(values[i],
                                                                *[values[j] for j in ids[s:e]]))
                bound = check_bindings(graph, {**bindings, **point})
                warnings = check_gradients(graph, values, grads, local)
                record.report = Report(graph, values, grads, local, warnings, bound)
                record.expect, record.gradcheck = run_checks(record.report, checks)
            except GradcliError:
                # Whatever failed, the row's own run says it exactly as the row-by-row path.
                record = run_one(row, program, key="row", bindings={**bindings, **point},
                                 checks=checks, filename=filename, output=output)
            except Exception as error:
                record.error = InternalError(f"internal error ({type(error).__name__}: {error}); "
                                             "this is a bug in gradcli, please report it")
            record.point = point
            yield record


def _rows(per_node: list, count: int, n: int, plus=None) -> list:
    """Each point's entries of every node, as one list of floats per point."""
    block = np.zeros((n, count))
    for i, value in enumerate(per_node):
        if value is not None:
            block[i] = value
    if plus is not None:
        block += plus
    return block.T.tolist()
