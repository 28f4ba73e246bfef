"""Array programs' forward steps, and their domains of the sweeps in engine/sweep.py.

Every op's vector-Jacobian product is declared in the op table (Op.vjp); the array
domain runs them through the one VJP sweep and sums each gradient back to its
argument's shape with `unbroadcast` (the one place broadcasting is undone).
"""

from __future__ import annotations

import numpy as np

from gradcli.engine.sweep import Domain, VjpDomain, forward, vjp_reverse
from gradcli.errors import InputError, MathError, Span
from gradcli.lang.ops import DomainFailure, Op, ShapeFailure
from gradcli.lang.resolve import math_failure
from gradcli.numbers import shape_text

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


class ArrayVjp(VjpDomain):
    """Arrays through their ops' VJPs. A scalar node's local derivative is its VJP at an
    upstream of 1, kept in `local` (an array node's is a Jacobian, never built: None)."""

    def __init__(self, graph):
        self.graph = graph
        self.local: list = [None] * len(graph.arg_ids)

    def start(self, value):
        return np.zeros(value.shape)

    def send(self, node: int, g, ans, args) -> list:
        static, keywords = self.graph.params[node]
        op = self.graph.ops[node]
        if ans.ndim:
            return op.vjp(g, ans, *args, *static, **keywords)
        s = self.graph.arg_start[node]
        shares = []
        for k, part in enumerate(op.vjp(np.ones(()), ans, *args, *static, **keywords)):
            local = unbroadcast(part() if callable(part) else part, args[k].shape)
            self.local[s + k] = local
            shares.append(local * g)
        return shares

    def take(self, share, arg):
        return unbroadcast(share() if callable(share) else share, arg.shape)


def reverse(graph, values: list, upstream: np.ndarray) -> tuple[list, list, list]:
    """(grads per node, downstream per edge, local per edge) by the op table's VJPs.

    The local derivative of a node is materialised only where the node is a
    scalar (its VJP at g = 1); for an array node it is None (a Jacobian).
    """
    domain = ArrayVjp(graph)
    with np.errstate(all="ignore"):
        grads, downstream = vjp_reverse(graph, domain, values, upstream)
    for i in range(len(graph.ops)):
        if graph.requires_grad[i] and grads[i] is None:
            grads[i] = np.zeros(values[i].shape)
    return grads, downstream, domain.local


class ArrayReplay(Domain):
    """The forward sweep again over an array graph, each node with its static arguments."""

    failures = ()

    def __init__(self, graph):
        self.graph = graph

    def kernels(self, graph) -> list:
        def step(node):
            op, params, expr = graph.ops[node], graph.params[node], graph.exprs[node]
            return lambda *args: evaluate(op, list(args), params, expr, graph.source)
        return [step(i) for i in range(len(graph.ops))]


def replay(graph, inputs: dict[str, np.ndarray] | None = None) -> list:
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
    return forward(graph, ArrayReplay(graph), values)


def objective(graph, upstream: np.ndarray, inputs: dict[str, np.ndarray] | None = None) -> float:
    """sum(upstream * output) at the given inputs: the number whose gradient the reverse sweep
    computes, so a gradient check perturbs one entry of an input and differences this."""
    values = replay(graph, inputs)
    return float(np.sum(upstream * values[graph.output]))
