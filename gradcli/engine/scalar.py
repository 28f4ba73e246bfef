"""The scalar engine: the sweeps over floats, and the warnings a finished sweep gives.

Values, gradients and local partials live in array('d') (8 bytes each), so a
million-node program needs tens of bytes per node.
"""

from __future__ import annotations

import math
from array import array

from gradcli.defaults import PRECISION
from gradcli.engine.sweep import Domain, forward, reverse
from gradcli.errors import MathError
from gradcli.lang.ops import STABLE_DIGITS, STABLE_FORMS, correct_digits
from gradcli.lang.resolve import FAILURES, math_failure
from gradcli.numbers import format_number
from gradcli.program.graph import Graph, label
from gradcli.program.report import Report


class FloatDomain(Domain):
    """float64 as the op table computes it: a kernel whose maths fails (a domain error, an
    overflow) stops the sweep with a MathError naming the node."""

    failures = FAILURES

    def kernel(self, op):
        return op.forward

    def partial(self, op):
        return op.partials

    @staticmethod
    def mul(local, upstream):
        # A zero local derivative sends nothing back, even times an infinite upstream, as a
        # zero upstream sends nothing down an edge whose local derivative is infinite: 0·∞
        # on an edge is 0 in the reverse sweep and in the tangent sweep alike.
        return local * upstream if local else 0.0

    def new(self, size: int, fill=None) -> array:
        if fill is None:
            return array("d", bytes(8 * size))
        return array("d", [fill]) * size

    def failure(self, graph, values, node: int, exc: Exception) -> MathError:
        args = [values[j] for j in graph.args(node)]
        where = f" in {label(graph, node, long=True)}"
        error = math_failure(graph.ops[node], args, exc, graph.span(node), where)
        stable = stable_form(graph, node)
        if stable is not None:
            op, inner, argument = stable
            error = MathError(f"{error.message}: {label(graph, inner, long=True)} rounded to "
                              f"{_as_text(args[0])} before the {graph.ops[node].name}; use "
                              f"{op.name}({label(graph, argument)})", error.span)
        return error


class OverflowingFloatDomain(FloatDomain):
    """IEEE arithmetic past an overflow: a value too large is inf, a partial that cannot be
    computed NaN. --exact uses it when its exact numbers exist where the floats overflow;
    any other failure (a domain error) still stops the sweep."""

    failures = ()

    def kernel(self, op):
        forward_fn = op.forward

        def overflowing(*args):
            try:
                return forward_fn(*args)
            except OverflowError:
                return math.inf
        return overflowing

    def partial(self, op):
        partials = op.partials

        def guarded(ans, *args):
            try:
                return partials(ans, *args)
            except FAILURES:
                return (math.nan,) * len(args)
        return guarded


FLOAT = FloatDomain()


def values_at(graph: Graph, bindings: dict[str, float], domain: FloatDomain = FLOAT) -> array:
    """Every node's value with the inputs bound. Raises MathError at the first node whose
    maths fails."""
    values = array("d", graph.leaf_values)
    for name, value in bindings.items():
        values[graph.inputs[name]] = value
    forward(graph, domain, values)
    # One C-level sum finds any inf or NaN (both propagate through addition); only then search.
    if domain is FLOAT and not math.isfinite(sum(values)):
        for i in range(len(values)):
            if not math.isfinite(values[i]):
                raise domain.failure(graph, values, i, OverflowError())
    return values


def run(graph: Graph, bindings: dict[str, float]) -> Report:
    """The float report of a lowered program at a point (bindings already checked)."""
    values = values_at(graph, bindings)
    grads, local = reverse(graph, FLOAT, values)
    warnings = check_gradients(graph, values, grads, local)
    return Report(graph, values, grads, local, warnings, bindings)


def run_past_overflow(graph: Graph, bindings: dict[str, float], error: MathError) -> Report:
    """The float report for --exact when the float sweeps overflow: inf where a float
    overflowed. `error` is kept (report.float_failure) and raised by the exact engine if a
    number asked for has no exact form; any other failure raises it at once."""
    domain = OverflowingFloatDomain()
    try:
        values = values_at(graph, bindings, domain)
    except FAILURES:
        raise error from None
    grads, local = reverse(graph, domain, values)
    try:
        warnings = check_gradients(graph, values, grads, local)
    except MathError:
        warnings = []
    # Infinite partials here come from the overflow itself, not from the function.
    warnings = [w for w in warnings if w["kind"] in ("kink", "tie")]
    report = Report(graph, values, grads, local, warnings, bindings)
    report.float_failure = error
    return report


def stable_form(graph: Graph, node: int):
    """(the stable op, the inner node, its argument) where `node` is the outer op of a
    composition the op table computes stably (log of a sigmoid), else None."""
    inner_ops = STABLE_FORMS.get(graph.ops[node])
    if inner_ops is None:
        return None
    args = graph.args(node)
    if len(args) != 1:
        return None
    inner = args[0]
    op = inner_ops.get(graph.ops[inner])
    inner_args = graph.args(inner)
    if op is None or len(inner_args) != 1:
        return None
    return op, inner, inner_args[0]


def lost_digits(graph: Graph, values: array, node: int) -> dict | None:
    """The warning for a composition (log(sigmoid(x))) whose value has lost its digits where
    the op computing it stably has them."""
    stable = stable_form(graph, node)
    if stable is None:
        return None
    op, inner, argument = stable
    try:
        true = op.forward(values[argument])
    except FAILURES:
        return None
    got = values[node]
    digits = correct_digits(got, true)
    if digits >= STABLE_DIGITS:
        return None
    kept = "no correct digit" if digits == 0 else \
        f"only {digits} correct digit{'s' if digits > 1 else ''}"
    name = f"{op.name}({label(graph, argument)})"
    return {"node": node, "kind": "digits-lost",
            "message": f"{label(graph, node, long=True)} keeps {kept} here ({_as_text(got)} "
                       f"where {name} is {_as_text(true)}): {label(graph, inner, long=True)} is "
                       f"rounded before the {graph.ops[node].name}; use {name}"}


def _as_text(value: float) -> str:
    return format_number(value, PRECISION)


def check_gradients(graph: Graph, values: array, grads: array, local: array) -> list[dict]:
    """Warnings for kinks, ties and non-finite derivatives; MathError for a plain overflow.

    A non-finite gradient is a warning when an infinite or undefined local partial
    explains it (sqrt at 0), and an overflow error when only finite numbers met.
    """
    warnings: list[dict] = []
    ops = graph.ops
    starts = graph.arg_start
    ids = graph.arg_ids
    wants = graph.requires_grad
    last = graph.output
    for i in range(last + 1):
        if ops[i] in STABLE_FORMS:
            lost = lost_digits(graph, values, i)
            if lost is not None:
                warnings.append(lost)
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
