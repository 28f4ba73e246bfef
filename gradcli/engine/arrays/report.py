"""compute_arrays and ArrayReport: the array engine, as gradcli.compute runs it.

An ArrayReport is a Report whose values and gradients are ndarrays, with each
node's shape, what each edge sends downstream (upstream gradient × the op's
VJP), the upstream gradient the reverse sweep started from, and the seed.
`local` is materialised only for scalar nodes; for array nodes it is None.
"""

from __future__ import annotations

import numpy as np

from gradcli.engine.arrays.lower import ArrayLowering, Generator
from gradcli.engine.arrays.sweep import all_finite, reverse
from gradcli.engine.arrays.values import check_array
from gradcli.errors import InputError
from gradcli.numbers import json_value, shape_text
from gradcli.program.graph import label
from gradcli.program.report import Report

UPSTREAMS = ("ones", "randn")


class ArrayReport(Report):
    domain = "array"

    def __init__(self, graph, values, grads, local, warnings, bindings, *, downstream,
                 upstream, upstream_source: str, seed: int):
        super().__init__(graph, values, grads, local, warnings, bindings)
        # A scalar input's gradient is a number, as in a scalar program (not a 0-d array).
        self.gradients = {name: float(grad) if grad.ndim == 0 else grad
                          for name, grad in self.gradients.items()}
        self.downstream = downstream
        self.upstream = upstream
        self.upstream_source = upstream_source
        self.seed = seed
        self.drew_random = False
        self._uses: dict | None = None
        self.program_seed = None        # N of an np.random.seed(N) in the program
        # Where the program first uses an array (set by report.compute), for the refusals of
        # the scalar-only features: the span of that form, or the name of an array binding.
        self.array_form = None
        self.array_binding = None
        self.generator = None           # the run's Generator, which verify continues

    def shape(self, node: int) -> tuple:
        return self.values[node].shape

    def value_of(self, name: str):
        """The value of a named node (an input or an assigned name): what a backward pass
        written in the program (dW = dD.dot(X.T)) computed, for `gradcli verify` to compare."""
        for node, node_name in enumerate(self.graph.names):
            if node_name == name:
                return self.values[node]
        raise KeyError(name)

    def contributions(self, node: int) -> list:
        """What each consumer sends back to `node` (arrays of its shape); they add up to its grad."""
        if self._uses is None:
            graph = self.graph
            uses: dict[int, list] = {}
            for consumer in range(len(graph.ops)):
                for e in range(graph.arg_start[consumer], graph.arg_start[consumer + 1]):
                    uses.setdefault(graph.arg_ids[e], []).append((consumer, e))
            self._uses = uses
        # In the order the reverse sweep adds them.
        return [(consumer, self.downstream[e]) for consumer, e in reversed(self._uses.get(node, []))
                if self.downstream[e] is not None]

    def dimension_analysis(self, node: int) -> list[str]:
        """The note's dimension-analysis lines for an op that declares them (matmul)."""
        graph = self.graph
        explain = graph.ops[node].extra.get("dimensions")
        if explain is None:
            return []
        args = list(graph.args(node))
        names = [_handle(self.output_name if j == self.output and graph.names[j] is None
                         else label(graph, j)) for j in [node, *args]]
        return explain(*names, *(self.shape(j) for j in args))

    def node_json(self, node: int) -> dict:
        view = self.nodes[node]
        graph = self.graph
        s, e = graph.arg_start[node], graph.arg_start[node + 1]
        scalar = self.values[node].ndim == 0
        return {"id": node, "name": view.name, "op": view.op, "text": view.text,
                "span": view.span, "shape": list(self.shape(node)),
                "value": json_value(self.values[node]), "inputs": view.inputs,
                "local": [json_value(v) for v in self.local[s:e]] if scalar else None,
                "grad": json_value(view.grad)}

    def to_json(self) -> dict:
        return {"value": json_value(self.value), "output": self.output,
                "shape": list(self.shape(self.output)),
                "upstream": self.upstream_source, "seed": self.seed,
                "gradients": {k: json_value(v) for k, v in self.gradients.items()},
                "nodes": [self.node_json(i) for i in range(len(self.graph.ops))],
                "warnings": [dict(w) for w in self.warnings]}


def _handle(text: str) -> str:
    """A label as it reads after a 'd' (dW), parenthesised unless it is a plain name."""
    return text if text.isidentifier() else f"({text})"


def compute_arrays(statements, program: str, bindings: dict, *, output=None, filename=None,
                   seed: int = 0, upstream="ones") -> ArrayReport:
    """Lower (tracing values), then the reverse sweep from the upstream gradient."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2 ** 32:
        raise InputError(f"--seed must be a whole number from 0 to 2**32 - 1, not {seed!r}")
    rng = Generator(seed)
    bound = {}
    for name, value in bindings.items():
        if isinstance(value, bool):
            raise InputError(f"the value for {name!r} must be a number or an array, not {value!r}")
        bound[name] = check_array(value, f"the value for {name!r}")
    lowering = ArrayLowering(statements, program, filename, bound, rng)
    graph = lowering.run(output)
    values = graph.values
    out_shape = values[graph.output].shape
    start, source = _upstream(upstream, out_shape, rng, seed)
    grads, downstream, local = reverse(graph, values, start)
    warnings = _warnings(graph, values, grads, local)
    report = ArrayReport(graph, values, grads, local, warnings, bound, downstream=downstream,
                         upstream=start, upstream_source=source, seed=seed)
    report.drew_random = rng.drew or source.startswith("randn")
    report.program_seed = rng.program_seed
    report.generator = rng
    return report


def _upstream(upstream, shape: tuple, rng, seed: int):
    """The gradient the reverse sweep starts from, and how the output describes it."""
    if isinstance(upstream, str):
        if upstream not in UPSTREAMS:
            raise InputError(f"--upstream must be ones, randn or an array file, not {upstream!r}")
        if shape == () and upstream != "ones":
            raise InputError("--upstream is for an output that is an array; this output is a "
                             "number, whose upstream gradient is 1")
        if upstream == "ones":
            # A read-only view: every rule makes new arrays, none writes into g.
            return np.broadcast_to(np.ones(()), shape), "ones" if shape else "1"
        # Drawn after the program's own random arrays, as the note's dD = np.random.randn(*D.shape).
        where = f"seed {seed}" if rng.program_seed is None else "after the program's draws"
        return np.asarray(rng.randn(*shape), dtype=float), f"randn ({where})"
    array, name = upstream if isinstance(upstream, tuple) else (upstream, "the given array")
    array = check_array(array, "--upstream")
    if shape == ():
        raise InputError("--upstream is for an output that is an array; this output is a "
                         "number, whose upstream gradient is 1")
    if array.shape != shape:
        raise InputError(f"--upstream: {name} has the shape {shape_text(array.shape)}, but the "
                         f"output has the shape {shape_text(shape)}")
    return array, name


KINK_SCAN_LIMIT = 10_000       # entries per node checked for kinks and ties (a Python loop)


def _warnings(graph, values, grads, local) -> list[dict]:
    """Kinks and ties, entry by entry through the op table's scalar `kink` (as the scalar
    engine reports them); ties in a max/min reduction; gradients that are not finite."""
    warnings = []
    starts, ids = graph.arg_start, graph.arg_ids
    for i in range(len(graph.ops)):
        op = graph.ops[i]
        args = [values[j] for j in ids[starts[i]:starts[i + 1]]]
        kind = "tie" if op.max_args is None else "kink"
        if op.kink is not None and graph.requires_grad[i]:
            static, keywords = graph.params[i]
            entries = None
            if kind == "tie" and len(args) == 1 and args[0].ndim:
                message = _reduction_tie(op.name, args[0], values[i], keywords.get("axis"))
            else:
                message, entries = _entry_kinks(op, values[i], args)
            if message is not None:
                warning = {"node": i, "kind": kind, "message": message}
                if entries is not None:
                    warning["entry"], warning["entries"] = entries
                warnings.append(warning)
        grad = grads[i]
        if grad is not None and not all_finite(grad):
            warnings.append({"node": i, "kind": "nonfinite-gradient",
                             "message": f"∂output/∂{label(graph, i)} has entries that are not "
                                        "finite numbers"})
    return warnings


def _entry_kinks(op, value, args) -> tuple[str | None, tuple[list, int] | None]:
    """The first kink's message and, for an array node, (its entry's index, how many entries
    have one): the renderers say where, as rows.warning_lines does for every warning."""
    if value.size > KINK_SCAN_LIMIT:
        return None, None
    entries = np.broadcast_arrays(value, *args)
    found = []
    for position in np.ndindex(value.shape):
        message = op.kink(*(float(a[position]) for a in entries))
        if message is not None:
            found.append((position, message))
    if not found:
        return None, None
    position, message = found[0]
    if not value.ndim:
        return message, None
    return message, ([int(k) for k in position], len(found))


def _reduction_tie(name: str, a, ans, axis) -> str | None:
    if a.size > KINK_SCAN_LIMIT:
        return None
    best = ans if axis is None else np.expand_dims(ans, axis)
    count = np.sum(a == best, axis=axis)
    if not np.any(count > 1):
        return None
    return (f"tie in {name}: several entries equal the {name}imum; the whole gradient goes to "
            "the first of them")
