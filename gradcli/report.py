"""The finished computation, immutable, as every renderer and the Python API see it.

A Report holds the graph and the arrays of the two sweeps; per-node views are
made on demand, so a million-node report costs no more than its arrays.
"""

from __future__ import annotations

import math
import re
from array import array
from typing import Iterator, Sequence

from gradcli.errors import InputError
from gradcli.graph import Graph, _did_you_mean, evaluate_constant, lower
from gradcli.ops import CONSTANTS
from gradcli.printer import format_number, to_text

TEXT_LIMIT = 60
# The grammar's NUMBER with an optional sign: float() reads exactly these the same way.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)   # what float() would take
LABEL_LIMIT = 12


def node_text(graph: Graph, node: int, limit: int | None = TEXT_LIMIT, compact: bool = False) -> str:
    """The node as the printer writes it: a name for an input, the expression for the rest."""
    op = graph.ops[node]
    if op.name == "input":
        return graph.names[node]
    expr = graph.exprs[node]
    if expr is None:
        return f"#{node}"
    if op.name == "const" and expr.kind == "number":
        return format_number(graph.leaf_values[node])
    if limit is None:
        return to_text(expr, compact=compact)
    memo = graph.text_memo.setdefault((limit, compact), {})
    return to_text(expr, limit=limit, compact=compact, memo=memo)


def label(graph: Graph, node: int, long: bool = False) -> str:
    """A short handle for a node in messages and rules: its name, short text, or #id."""
    name = graph.names[node]
    if name is not None:
        return name
    if long:
        return node_text(graph, node, limit=40)
    text = node_text(graph, node, limit=LABEL_LIMIT, compact=True)
    if len(text) <= LABEL_LIMIT and not text.endswith("…"):
        return text
    return f"#{node}"


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
                "span": self.span, "value": self.value, "inputs": self.inputs,
                "local": self.local, "grad": self.grad}


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


class Report:
    """Values, gradients, local partials and warnings of one program at one point."""

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
        self._consumers: list | None = None

    @property
    def output_name(self) -> str:
        """The output's name; an unnamed output is called f, as in the note (out if f is taken)."""
        graph = self.graph
        if graph.names[self.output] is not None:
            return graph.names[self.output]
        return "out" if "f" in graph.names else "f"

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
        graph = self.graph
        for node, node_name in enumerate(graph.names):
            if node_name == name and graph.requires_grad[node]:
                return self.grads[node]
        raise KeyError(name)

    def to_json(self) -> dict:
        return {"value": self.value, "gradients": dict(self.gradients),
                "nodes": [node.to_json() for node in self.nodes],
                "warnings": [dict(w) for w in self.warnings]}


def check_bindings(graph: Graph, bindings: dict[str, float]) -> dict[str, float]:
    """Typo protection: every binding names an input, and every input without a default is bound."""
    for name, value in bindings.items():
        if name not in graph.inputs:
            if name in graph.assigned_lines:
                raise InputError(f"{name!r} is computed by the program (line "
                                 f"{graph.assigned_lines[name]}), so it cannot be given a value")
            if name in CONSTANTS:
                raise InputError(f"{name!r} is a constant and cannot be given a value")
            hint = _did_you_mean(name, graph.inputs)
            known = ", ".join(graph.inputs) or "none"
            raise InputError(f"the program has no input named {name!r}{hint}; its inputs are: {known}")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise InputError(f"the value for {name!r} must be a finite number, not {value!r}")
    missing = [name for name, default in graph.defaults.items()
               if default is None and name not in bindings]
    if missing:
        example = " ".join(f"{name}=1" for name in missing)
        hints = [h for h in (_did_you_mean(name, graph.assigned_lines) for name in missing) if h]
        extra = f"; if a name is misspelt{hints[0]}" if hints else ""
        error = InputError(_missing_message(missing, "on the command line", example, extra))
        error.missing, error.missing_extra = tuple(missing), extra
        raise error
    return {name: float(value) for name, value in bindings.items()}


def _missing_message(missing, where: str, example: str, extra: str) -> str:
    noun = "input" if len(missing) == 1 else "inputs"
    return (f"no value for the {noun} {', '.join(missing)}: give "
            f"{'it' if len(missing) == 1 else 'them'} {where}, e.g. {example}{extra}")


def reword_missing(error, where: str, example) -> None:
    """Where check_bindings' missing inputs go outside the command line (a check file's
    `at`, the Python API's bindings): `example(names)` shows it."""
    missing = getattr(error, "missing", None)
    if missing:
        error.message = _missing_message(missing, where, example(missing), error.missing_extra)
        error.args = (error.message,)      # str(error) says the same


def is_array_value(value) -> bool:
    """A binding only the array engine takes: a list or an ndarray (a Python or numpy float
    is a number)."""
    return isinstance(value, (list, tuple)) or (hasattr(value, "shape")
                                                 and not isinstance(value, (int, float)))


def compute(program: str, bindings: dict[str, float] | None = None, *, output: str | None = None,
            filename: str | None = None, shared: dict[str, float] | None = None, seed: int = 0,
            upstream="ones", reject_backward: bool = False) -> Report:
    """Parse, lower, sweep forward and back. Errors carry the source for their caret.

    `shared` bindings apply only where the program has an input of that name (batch
    gives every line the command line's bindings). A program with arrays (or array
    bindings) goes to gradcli.arrays, which draws random arrays from one generator seeded
    with `seed` and starts the reverse sweep at `upstream` ("ones", "randn" or an array)
    when the output is not a scalar. `reject_backward` (the command line): a program that
    ends in a pasted backward pass is an error, not differentiated as it is.
    """
    from gradcli.backward_split import forward_part
    from gradcli.errors import GradcliError
    from gradcli.graph import NeedsArrays
    from gradcli.sweep import check_gradients, forward, reverse
    from gradcli.syntax import parse

    try:
        # A pasted forward-and-backward block is not differentiated as if it were the program.
        statements = forward_part(parse(program), output, filename, reject_backward)
        array_bindings = [k for k, v in (bindings or {}).items() if is_array_value(v)]
        if array_bindings:
            raise NeedsArrays(binding=array_bindings[0])
        graph = lower(statements, program, filename, output)
        if shared:
            bindings = {**{k: v for k, v in shared.items() if k in graph.inputs}, **(bindings or {})}
            array_bindings = [k for k, v in bindings.items() if is_array_value(v)]
            if array_bindings:          # a shared array binding makes this line an array program
                raise NeedsArrays(binding=array_bindings[0])
        if not (isinstance(upstream, str) and upstream == "ones"):
            raise InputError("--upstream is for an output that is an array; this output is a "
                             "number, whose upstream gradient is 1")
        bound = check_bindings(graph, dict(bindings or {}))
        values = forward(graph, bound)
        grads, local = reverse(graph, values)
        warnings = check_gradients(graph, values, grads, local)
    except NeedsArrays as needs:
        from gradcli.arrays.report import compute_arrays

        if shared:
            from gradcli.graph import _walk

            used = {e.name for st in statements if st.expr is not None
                    for e in _walk(st.expr) if e.kind == "name"}
            bindings = {**{k: v for k, v in shared.items() if k in used}, **(bindings or {})}
        try:
            report = compute_arrays(statements, program, dict(bindings or {}), output=output,
                                    filename=filename, seed=seed, upstream=upstream)
        except GradcliError as error:
            raise error.with_source(program, filename)
        # Where the program first uses an array, for the features that refuse arrays.
        report.array_form, report.array_binding = needs.span, needs.binding
        return report
    except GradcliError as error:
        raise error.with_source(program, filename)
    return Report(graph, values, grads, local, warnings, bound)


def parse_binding_value(text: str) -> float:
    """A binding's value: a number or a constant expression (pi/2, 1/3), evaluated by gradcli itself."""
    from gradcli.errors import GradcliError
    from gradcli.graph import NeedsArrays
    from gradcli.syntax import parse

    if _PLAIN_NUMBER.fullmatch(text):
        value = float(text)     # the common case needs no parser
        if math.isfinite(value):
            return value
    if not text.strip():
        raise InputError("the value is empty: write a number, like 1 or -2.5")
    if _NOT_FINITE.fullmatch(text.strip()):
        from gradcli.errors import Span

        raise InputError(f"{text.strip()!r}: a value must be a finite number",
                         Span(0, len(text))).with_source(text)
    try:
        statements = parse(text)
        if len(statements) != 1 or statements[0].kind != "expr":
            raise InputError("a value must be one number or constant expression")
        try:
            return evaluate_constant(statements[0].expr)
        except NeedsArrays:
            from gradcli.arrays.files import constant_array

            return constant_array(statements[0].expr, text)
    except GradcliError as error:
        raise error.with_source(text)
