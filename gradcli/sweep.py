"""The forward sweep (values, front to back) and the reverse sweep (gradients, back to front).

Both are flat loops over the graph's arrays: no recursion, no per-node objects.
Values, gradients and local partials live in array('d') (8 bytes each), so a
million-node program needs tens of bytes per node. The reverse sweep uses +=
because gradients add up at forks.
"""

from __future__ import annotations

import math
from array import array

from gradcli.errors import MathError
from gradcli.graph import Graph, math_failure
from gradcli.ops import DomainFailure

_FAILURES = (ValueError, ZeroDivisionError, OverflowError, DomainFailure)


def forward(graph: Graph, bindings: dict[str, float] | None = None) -> array:
    """Every node's value. Raises MathError at the first node whose maths fails."""
    values = array("d", graph.leaf_values)
    for name, value in (bindings or {}).items():
        values[graph.inputs[name]] = value
    ops = graph.ops
    starts = graph.arg_start
    ids = graph.arg_ids
    i = 0
    try:
        for i in range(len(ops)):
            s = starts[i]
            count = starts[i + 1] - s
            if count == 2:
                values[i] = ops[i].forward(values[ids[s]], values[ids[s + 1]])
            elif count == 1:
                values[i] = ops[i].forward(values[ids[s]])
            elif count:
                values[i] = ops[i].forward(*[values[j] for j in ids[s:s + count]])
    except _FAILURES as exc:
        raise _node_failure(graph, values, i, exc) from None
    # One C-level sum finds any inf or NaN (both propagate through addition); only then search.
    if not math.isfinite(sum(values)):
        for i in range(len(values)):
            if not math.isfinite(values[i]):
                raise _node_failure(graph, values, i, OverflowError())
    return values


def _node_failure(graph: Graph, values, node: int, exc: Exception) -> MathError:
    from gradcli.report import label

    args = [values[j] for j in graph.args(node)]
    where = f" in {label(graph, node, long=True)}"
    return math_failure(graph.ops[node], args, exc, graph.span(node), where)


def reverse(graph: Graph, values: array) -> tuple[array, array]:
    """∂output/∂node for every node, and the local partial on every edge (aligned with arg_ids).

    Gradients flow only into nodes that depend on an input: a constant has no gradient.
    An edge whose upstream gradient is exactly 0 contributes nothing, even where its
    local partial is infinite (0 · ∞ would otherwise poison the sum with NaN).
    """
    n = len(graph.ops)
    ops = graph.ops
    starts = graph.arg_start
    ids = graph.arg_ids
    wants = graph.requires_grad
    grads = array("d", bytes(8 * n))
    local = array("d", bytes(8 * len(ids)))
    out = graph.output
    grads[out] = 1.0
    for i in range(out, -1, -1):
        s = starts[i]
        count = starts[i + 1] - s
        if not count:
            continue
        g = grads[i]
        if count == 2:
            a = ids[s]
            b = ids[s + 1]
            pa, pb = ops[i].partials(values[i], values[a], values[b])
            local[s] = pa
            local[s + 1] = pb
            if g:
                if wants[a]:
                    grads[a] += pa * g
                if wants[b]:
                    grads[b] += pb * g
        elif count == 1:
            a = ids[s]
            (pa,) = ops[i].partials(values[i], values[a])
            local[s] = pa
            if g and wants[a]:
                grads[a] += pa * g
        else:
            args = ids[s:s + count]
            partials = ops[i].partials(values[i], *[values[j] for j in args])
            for k, p in enumerate(partials):
                local[s + k] = p
                if g and wants[args[k]]:
                    grads[args[k]] += p * g
    return grads, local


def check_gradients(graph: Graph, values: array, grads: array, local: array) -> list[dict]:
    """Warnings for kinks, ties and non-finite derivatives; MathError for a plain overflow.

    A non-finite gradient is a warning when an infinite or undefined local partial
    explains it (sqrt at 0), and an overflow error when only finite numbers met.
    """
    from gradcli.report import label

    warnings: list[dict] = []
    ops = graph.ops
    starts = graph.arg_start
    ids = graph.arg_ids
    wants = graph.requires_grad
    last = graph.output
    for i in range(last + 1):
        kink = ops[i].kink
        if kink is not None:
            args = [values[j] for j in ids[starts[i]:starts[i + 1]]]
            message = kink(values[i], *args)
            if message is not None:
                kind = "tie" if ops[i].max_args is None else "kink"
                warnings.append({"node": i, "kind": kind, "message": message})

    explained = False
    if not math.isfinite(sum(local)):
        for i in range(last + 1):
            for e in range(starts[i], starts[i + 1]):
                p = local[e]
                j = ids[e]
                if not math.isfinite(p) and wants[j]:
                    explained = True
                    kind = "infinite" if math.isinf(p) else "undefined"
                    what = "infinite" if kind == "infinite" else "undefined (not a number)"
                    warnings.append({
                        "node": i, "kind": kind,
                        "message": f"the local derivative of {ops[i].name} with respect to "
                                   f"{label(graph, j)} is {what} here"})

    if not math.isfinite(sum(grads)):
        for i in range(last, -1, -1):
            if not math.isfinite(grads[i]):
                if not explained:
                    raise MathError(
                        f"the gradient at {label(graph, i, long=True)} is too large for a float64 "
                        "(overflow in the reverse sweep)", graph.span(i))
                warnings.append({"node": i, "kind": "nonfinite-gradient",
                                 "message": f"the gradient with respect to {label(graph, i)} is "
                                            "not a finite number"})
    warnings.sort(key=lambda w: w["node"])
    return warnings
