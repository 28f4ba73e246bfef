"""Forward steps and the reverse sweep for array programs, with numpy.

Every op's vector-Jacobian product is declared in the op table (Op.vjp); this
module only runs them, node by node backwards, and sums each gradient back to
its argument's shape with `unbroadcast` (the one place broadcasting is undone).
"""

from __future__ import annotations

import numpy as np

from gradcli.errors import InputError, MathError, Span
from gradcli.graph import math_failure
from gradcli.ops import DomainFailure, Op, ShapeFailure

NO_PARAMS = ((), {})


def unbroadcast(grad, shape: tuple) -> np.ndarray:
    """Sum a gradient over the axes numpy's broadcasting added or stretched, back to `shape`."""
    grad = np.asarray(grad, dtype=float)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(k for k, n in enumerate(shape) if n == 1 and grad.shape[k] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if grad.shape != shape:
        # A rule that returned a scalar for a whole argument (step's 0 * g).
        grad = np.broadcast_to(grad, shape)
    return np.array(grad, dtype=float)


def shape_text(shape) -> str:
    return str(tuple(int(n) for n in shape))


def operator_span(expr) -> Span | None:
    """Where a shape error points: the operator (@, +), a method's name, or a call's name."""
    if expr is None:
        return None
    if expr.kind == "call" and expr.args[0].kind == "attr":
        callee = expr.args[0]
        return Span(callee.op_start, callee.op_end)
    if expr.op_start >= 0:
        return Span(expr.op_start, expr.op_end)
    return Span(expr.start, expr.end) if expr.start >= 0 else None


def source_text(source: str, expr, limit: int = 32) -> str:
    if expr is None or expr.start < 0:
        return "this operation"
    text = " ".join(source[expr.start:expr.end].split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _broadcast_problem(op: Op, shapes: list[tuple]) -> str | None:
    try:
        np.broadcast_shapes(*shapes)
        return None
    except ValueError:
        pass
    except RuntimeError as exc:        # numpy's own limit on dimensions
        return str(exc)
    joined = f" {op.symbol} ".join(shape_text(s) for s in shapes) if op.syntax == "infix" \
        else ", ".join(shape_text(s) for s in shapes)
    # The first axis, from the right, where two sizes differ and neither is 1.
    for k in range(1, max(len(s) for s in shapes) + 1):
        sizes = list(dict.fromkeys(s[-k] for s in shapes if len(s) >= k and s[-k] != 1))
        if len(sizes) > 1:
            a, b = sizes[:2]
            return (f"{joined}: shapes do not broadcast (sizes {a} and {b} differ on axis "
                    f"-{k}, and neither is 1)")
    return f"{joined}: shapes do not broadcast"


def all_finite(array) -> bool:
    """inf and NaN survive a sum, so one pass without a temporary settles the usual case."""
    return bool(np.isfinite(np.add.reduce(array, axis=None))) or bool(np.isfinite(array).all())


def evaluate(op: Op, args: list, params, expr, source: str, where: str = "") -> np.ndarray:
    """One node's value. Shape errors are InputErrors at the operator; maths failures MathErrors."""
    static, keywords = params
    if op.array_forward is None:
        raise InputError(f"{op.name} does not work on arrays", operator_span(expr))
    if op.forward is not None and len(args) >= 2:
        problem = _broadcast_problem(op, [a.shape for a in args])
        if problem is not None:
            raise InputError(f"{source_text(source, expr)}: {problem}", operator_span(expr))
    try:
        with np.errstate(all="ignore"):
            result = op.array_forward(*args, *static, **keywords)
    except ShapeFailure as exc:
        raise InputError(f"{source_text(source, expr)}: {exc}", operator_span(expr)) from None
    except (ValueError, IndexError, TypeError, RuntimeError) as exc:
        # numpy's own complaint (axis out of range, reshape size, index out of bounds).
        message = str(exc).split("\n")[0]
        raise InputError(f"{source_text(source, expr)}: {message}", operator_span(expr)) from None
    result = np.asarray(result, dtype=float)
    if not all_finite(result):
        raise _failure(op, args, result, expr, where)
    return result


def _failure(op: Op, args: list, result: np.ndarray, expr, where: str) -> MathError:
    """Name the first entry that failed, with the arguments that met there."""
    span = Span(expr.start, expr.end) if expr is not None and expr.start >= 0 else None
    bad = tuple(int(k) for k in np.argwhere(~np.isfinite(result))[0]) if result.ndim else ()
    at = f" at entry {list(bad)}" if bad else ""
    if op.forward is not None:
        try:
            entries = [float(a[bad]) if a.ndim else float(a)
                       for a in np.broadcast_arrays(*args)] if bad else [float(a) for a in args]
        except (ValueError, IndexError, TypeError):
            entries = None
        if entries is not None and all(np.isfinite(entries)):
            exc = OverflowError() if np.isinf(result[bad] if bad else result) and \
                op.domain is None else DomainFailure()
            return math_failure(op, entries, exc, span, f"{where}{at}")
    return MathError(f"{op.name}{where}{at}: the result is not a finite number", span)


def reverse(graph, values: list, upstream: np.ndarray) -> tuple[list, list, list]:
    """(grads per node, downstream per edge, local per edge) by the op table's VJPs.

    The local derivative of a node is materialised only where the node is a
    scalar (its VJP at g = 1); for an array node it is None (a Jacobian).
    """
    n = len(graph.ops)
    starts, ids, wants = graph.arg_start, graph.arg_ids, graph.requires_grad
    grads: list = [None] * n
    downstream: list = [None] * len(ids)
    local: list = [None] * len(ids)
    out = graph.output
    grads[out] = upstream
    with np.errstate(all="ignore"):
        for i in range(out, -1, -1):
            s, e = starts[i], starts[i + 1]
            if s == e or not wants[i]:
                continue
            g = grads[i]
            if g is None:
                g = np.zeros(values[i].shape)
            op = graph.ops[i]
            static, keywords = graph.params[i]
            args = [values[j] for j in ids[s:e]]
            scalar = values[i].ndim == 0
            parts = op.vjp(np.ones(()) if scalar else g, values[i], *args, *static, **keywords)
            for k in range(e - s):
                j = ids[s + k]
                if not (wants[j] or scalar):
                    continue
                part = parts[k]
                if callable(part):
                    part = part()
                part = unbroadcast(part, args[k].shape)
                if scalar:
                    local[s + k] = part
                    part = part * g
                if not wants[j]:
                    continue
                downstream[s + k] = part
                grads[j] = part if grads[j] is None else grads[j] + part
    for i in range(n):
        if wants[i] and grads[i] is None:
            grads[i] = np.zeros(values[i].shape)
    return grads, downstream, local


def forward(graph, inputs: dict[str, np.ndarray] | None = None) -> list:
    """Every node's value again, with some inputs replaced (same shapes): for gradient checks.

    Random arrays were drawn when the program was lowered and are constants of
    the graph, so a replay never draws again.
    """
    values: list = list(graph.leaf_values)
    for name, node in graph.inputs.items():
        values[node] = graph.values[node]
    for name, value in (inputs or {}).items():
        node = graph.inputs[name]
        value = np.asarray(value, dtype=float)
        if value.shape != graph.values[node].shape:
            raise InputError(f"{name}: a replay needs the shape {shape_text(graph.values[node].shape)}"
                             f", not {shape_text(value.shape)}")
        values[node] = value
    starts, ids = graph.arg_start, graph.arg_ids
    for i in range(len(graph.ops)):
        s, e = starts[i], starts[i + 1]
        if s == e:
            continue
        values[i] = evaluate(graph.ops[i], [values[j] for j in ids[s:e]], graph.params[i],
                             graph.exprs[i], graph.source)
    return values


def objective(graph, upstream: np.ndarray, inputs: dict[str, np.ndarray] | None = None) -> float:
    """sum(upstream * output) at the given inputs: the number whose gradient the reverse sweep
    computes, so a gradient check perturbs one entry of an input and differences this."""
    values = forward(graph, inputs)
    return float(np.sum(upstream * values[graph.output]))
