"""text → parse → graph → engine → result: the one place that picks an engine and runs it.

A program is parsed once and lowered once per run. The scalar lowering stops at the first
array form (NeedsArrays); the program then goes to the array engine, which is loaded only
then (ENGINES), so a scalar run never imports numpy. The other engines (exact fractions,
forward-mode tangents, symbolic derivatives, many points at once) run over the same graph.
"""

from __future__ import annotations

import math
import re
from array import array

from gradcli.engine import scalar
from gradcli.errors import GradcliError, InputError, MathError, NeedsArrays, Span
from gradcli.lang.expr import Expr
from gradcli.lang.resolve import evaluate_constant, variables
from gradcli.lang.syntax import Statement, non_ascii_message, parse
from gradcli.lazy import load
from gradcli.memory import paused_gc
from gradcli.program.bindings import check_bindings, is_array_value
from gradcli.program.graph import Graph, node_text
from gradcli.program.lower import lower
from gradcli.program.report import Report
from gradcli.program.scalar_only import refuse_arrays
from gradcli.program.split import forward_part

# The engines besides the float sweeps, each loaded on first use (the array engine needs
# numpy, the exact one fractions and decimal): a plain one-liner imports none of them.
ENGINES = {
    "exact": "gradcli.engine.exact:run_exact",
    "tangent": "gradcli.engine.tangent:columns",
    "symbolic": "gradcli.engine.symbolic:derive",
    "symbolic higher": "gradcli.engine.symbolic:higher",
    "arrays": "gradcli.engine.arrays.report:compute_arrays",
    "array constant": "gradcli.engine.arrays.values:constant_array",
    "array file": "gradcli.engine.arrays.values:read_array",
    "array value": "gradcli.engine.arrays.values:check_array",
    "points": "gradcli.engine.points:sweep_rows",
    "hessian": "gradcli.engine.second:hessian",
    "hvp": "gradcli.engine.second:hvp",
    "second columns": "gradcli.engine.second:mixed_columns",
    "second warnings": "gradcli.engine.second:second_warnings",
    "plot": "gradcli.engine.plot:sample",
    "point columns": "gradcli.engine.points:sweep_all",
}

# The grammar's NUMBER with an optional sign: float() reads exactly these the same way. ASCII
# only, as in the program text (float() alone would read ١٢ and full-width １２ as 12).
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)   # what float() would take


def parse_program(program: str, filename: str | None = None) -> list[Statement]:
    if not isinstance(program, str):
        raise InputError(f"the program must be a string of gradcli code, not "
                         f"{type(program).__name__}")
    try:
        return parse(program)
    except GradcliError as error:
        raise error.with_source(program, filename)


def compute(program: str, bindings: dict | None = None, *, output: str | None = None,
            filename: str | None = None, shared: dict | None = None, seed: int = 0,
            upstream="ones", reject_backward: bool = False) -> Report:
    """Parse, lower, sweep forward and back. Errors carry the source for their caret.

    `shared` bindings apply only where the program has an input of that name (batch
    gives every line the command line's bindings). A program with arrays (or array
    bindings) goes to the array engine, which draws random arrays from one generator seeded
    with `seed` and starts the reverse sweep at `upstream` ("ones", "randn" or an array)
    when the output is not a scalar. `reject_backward` (the command line): a program that
    ends in a pasted backward pass is an error, not differentiated as it is.
    """
    with paused_gc():
        statements = parse_program(program, filename)
        try:
            # A pasted forward-and-backward block is not differentiated as if it were the program.
            statements = forward_part(statements, output, filename, reject_backward)
        except GradcliError as error:
            raise error.with_source(program, filename)
        return compute_statements(statements, program, bindings, output=output,
                                  filename=filename, shared=shared, seed=seed, upstream=upstream)


def compute_statements(statements: list[Statement], program: str, bindings: dict | None = None,
                       *, output: str | None = None, filename: str | None = None,
                       shared: dict | None = None, seed: int = 0, upstream="ones") -> Report:
    """compute() for statements already parsed from `program` (verify's forward pass)."""
    bindings = dict(bindings or {})
    try:
        try:
            array_bindings = [k for k, v in bindings.items() if is_array_value(v)]
            if array_bindings:
                raise NeedsArrays(binding=array_bindings[0])
            graph = lower(statements, program, filename, output)
            if shared:
                bindings = {**{k: v for k, v in shared.items() if k in graph.inputs}, **bindings}
                array_bindings = [k for k, v in bindings.items() if is_array_value(v)]
                if array_bindings:      # a shared array binding makes this line an array program
                    raise NeedsArrays(binding=array_bindings[0])
            if not (isinstance(upstream, str) and upstream == "ones"):
                raise InputError("--upstream is for an output that is an array; this output is "
                                 "a number, whose upstream gradient is 1")
            return scalar.run(graph, check_bindings(graph, bindings))
        except NeedsArrays as needs:
            if shared:
                used = {e.name for st in statements if st.expr is not None
                        for e in variables(st.expr)}
                bindings = {**{k: v for k, v in shared.items() if k in used}, **bindings}
            report = load(ENGINES["arrays"])(statements, program, bindings, output=output,
                                             filename=filename, seed=seed, upstream=upstream)
            # Where the program first uses an array, for the features that refuse arrays.
            report.array_form, report.array_binding = needs.span, needs.binding
            return report
    except GradcliError as error:
        raise error.with_source(program, filename)


# ------------------------------------------------------------------ values from outside

def parse_binding_value(text: str):
    """A binding's value: a number or a constant expression (pi/2, 1/3), evaluated by gradcli
    itself; an array literal ([1, 2]) makes an array."""
    if PLAIN_NUMBER.fullmatch(text):
        value = float(text)     # the common case needs no parser
        if math.isfinite(value):
            return value
    if not text.strip():
        raise InputError("the value is empty: write a number, like 1 or -2.5")
    if not text.isascii():
        at = next(i for i, ch in enumerate(text) if not ch.isascii())
        raise InputError(non_ascii_message(text[at], "in a value (values are ASCII, like the "
                                           "program text)"), Span(at, at + 1)).with_source(text)
    if _NOT_FINITE.fullmatch(text.strip()):
        raise InputError(f"{text.strip()!r}: a value must be a finite number",
                         Span(0, len(text))).with_source(text)
    try:
        expr = constant_expr(text)
        try:
            return evaluate_constant(expr)
        except NeedsArrays:
            return load(ENGINES["array constant"])(expr, text)
    except GradcliError as error:
        raise error.with_source(text)


def constant_expr(text: str) -> Expr:
    """The one expression a binding's text holds."""
    statements = parse(text)
    if len(statements) != 1 or statements[0].kind != "expr":
        raise InputError("a value must be one number or constant expression")
    return statements[0].expr


def read_array(path: str):
    """An array from a .npy, .csv or .json file (never executed, never unpickled)."""
    return load(ENGINES["array file"])(path)


def as_array(value, what: str):
    """A finite float array from a list or an ndarray, or an InputError naming `what`."""
    return load(ENGINES["array value"])(value, what)


# ------------------------------------------------------------------ the other engines

def compute_exact(program: str, bindings: dict, binding_texts: dict[str, str], *,
                  output: str | None = None, filename: str | None = None,
                  wanted: tuple[str, ...] | None = None):
    """--exact: the float report (past a float overflow if need be), then the exact sweeps
    over the same graph. `binding_texts` are the bindings as typed (x=1/3 is exactly 1/3);
    `wanted` names the gradients asked for besides the value."""
    statements = parse_program(program, filename)
    array_bindings = [k for k, v in bindings.items() if is_array_value(v)]
    if array_bindings:
        raise refuse_arrays("--exact", binding=array_bindings[0])
    needs = None
    try:
        statements = forward_part(statements, output, filename, reject=True)
        try:
            graph = lower(statements, program, filename, output)
        except NeedsArrays as error:
            needs = error
    except GradcliError as error:
        raise error.with_source(program, filename)
    if needs is not None:
        # Worded with its place, never pointing into the text: the feature is at fault.
        raise refuse_arrays("--exact", source=program, span=needs.span, binding=needs.binding)
    try:
        bound = check_bindings(graph, bindings)
        try:
            report = scalar.run(graph, bound)
        except MathError as error:
            report = scalar.run_past_overflow(graph, bound, error)
    except GradcliError as error:
        raise error.with_source(program, filename)
    defaults = {s.name: (s.expr, program) for s in statements
                if s.kind == "assign" and s.name in graph.inputs}
    given = {name: (constant_expr(text), text) for name, text in binding_texts.items()
             if name in graph.inputs}
    result = load(ENGINES["exact"])(report, defaults, given)
    if report.float_failure is not None:
        names = [name for name in (wanted or graph.inputs) if name in graph.inputs]
        asked = [result.values[graph.output]] + [result.grads[graph.inputs[n]] for n in names]
        if any(q is None for q in asked):
            # A number asked for has no exact form, and its float overflowed.
            raise report.float_failure
    return result


class TangentResult:
    """--mode forward: ∂node/∂name for every node, one column per seeded input."""

    domain = "tangent"

    def __init__(self, report: Report, columns: dict):
        self.report = report
        self.columns = columns


def compute_tangents(report: Report, names) -> TangentResult:
    if report.domain != "scalar":     # the op table declares VJPs for arrays, not JVPs
        raise refuse_arrays("--mode forward", report)
    if not names:
        raise InputError("--mode forward needs --wrt NAME: the input whose tangent is pushed "
                         "forward (e.g. --mode forward --wrt x)")
    return TangentResult(report, load(ENGINES["tangent"])(report, names))


# ------------------------------------------------------------------ second order

class HessianResult:
    """--hessian: ∂²f/∂x∂y for every pair of the inputs asked for (rows and columns in order)."""

    domain = "hessian"

    def __init__(self, report: Report, names: list[str], matrix: list, warnings: list):
        self.report = report
        self.names = names
        self.matrix = matrix
        self.warnings = tuple(warnings)


class HvpResult:
    """--hvp: the Hessian-vector product H·v, one forward-over-reverse sweep."""

    domain = "hvp"

    def __init__(self, report: Report, direction: dict, product: dict, warnings: list):
        self.report = report
        self.direction = direction
        self.product = product
        self.warnings = tuple(warnings)


class SecondOrderResult:
    """--order 2 --wrt x: ∂²f/∂x∂node for every node, beside the first-order ∂f/∂node."""

    domain = "second"

    def __init__(self, report: Report, columns: dict, warnings: list):
        self.report = report
        self.columns = columns
        self.warnings = tuple(warnings)


def _second_inputs(report: Report, names, feature: str) -> list[str]:
    if report.domain != "scalar":
        raise refuse_arrays(feature, report)
    graph = report.graph
    names = list(names) if names else list(graph.inputs)
    for name in names:
        if name not in graph.inputs:
            known = ", ".join(graph.inputs) or "none"
            raise InputError(f"{feature}: {name!r} is not an input of the program (the inputs "
                             f"are: {known}); second derivatives are taken with respect to "
                             "inputs")
    return names


def compute_hessian(report: Report, names=None) -> HessianResult:
    """The Hessian at the report's point, by one Hessian-vector product per input."""
    names = _second_inputs(report, names, "--hessian")
    matrix = load(ENGINES["hessian"])(report, names)
    warnings = load(ENGINES["second warnings"])(report, names, matrix)
    return HessianResult(report, names, matrix, warnings)


def compute_hvp(report: Report, direction: dict) -> HvpResult:
    """H·v for a direction {input: component} (inputs not named have component 0)."""
    _second_inputs(report, list(direction), "--hvp")
    full = {name: float(direction.get(name, 0.0)) for name in report.graph.inputs}
    product = load(ENGINES["hvp"])(report, full)
    names = list(report.graph.inputs)
    warnings = load(ENGINES["second warnings"])(report, names, [[product[n]] for n in names])
    return HvpResult(report, full, product, warnings)


def compute_second(report: Report, names) -> SecondOrderResult:
    if not names:
        raise InputError("--order 2 needs --wrt NAME: the input x of the column ∂²f/∂x∂node "
                         "(e.g. --order 2 --wrt x); --hessian gives every pair of inputs")
    names = _second_inputs(report, names, "--order 2")
    columns = load(ENGINES["second columns"])(report, names)
    graph = report.graph
    rows = [[columns[n][graph.inputs[m]] for n in names] for m in names]
    warnings = load(ENGINES["second warnings"])(report, names, rows)
    return SecondOrderResult(report, columns, warnings)


class PlotResult:
    """gradcli plot: f, ∂f/∂x (and ∂²f/∂x² with `second`) sampled along one input, the
    kinks found between the samples, and the tangent line asked for."""

    domain = "plot"

    def __init__(self, data, title: str, second: bool):
        self.data = data
        self.title = title
        self.second = second


def compute_plot(program: str, bindings: dict, name: str, lo: float, hi: float, *,
                 count: int = 200, at: float | None = None, second: bool = False,
                 output: str | None = None, filename: str | None = None) -> PlotResult:
    """Sample the program along the input `name` over [lo, hi]; the other inputs are held at
    their bindings (or defaults)."""
    statements = parse_program(program, filename)
    try:
        statements = forward_part(statements, output, filename, reject=True)
        graph = lower(statements, program, filename, output)
    except NeedsArrays as needs:
        raise refuse_arrays("gradcli plot", source=program, span=needs.span) from None
    except GradcliError as error:
        raise error.with_source(program, filename)
    if name not in graph.inputs:
        known = ", ".join(graph.inputs) or "none"
        raise InputError(f"--wrt {name}: the plotted variable must be an input of the program "
                         f"(the inputs are: {known})")
    if name in bindings:
        raise InputError(f"{name} is the plotted variable (--wrt {name}=LO:HI): give it no value")
    array_bindings = [k for k, v in bindings.items() if is_array_value(v)]
    if array_bindings:
        raise refuse_arrays("gradcli plot", binding=array_bindings[0])
    try:
        bound = check_bindings(graph, {**bindings, name: lo})
    except GradcliError as error:
        raise error.with_source(program, filename)
    point = array("d", graph.leaf_values)
    for key, value in bound.items():
        point[graph.inputs[key]] = value
    data = load(ENGINES["plot"])(graph, name, lo, hi, count, point, at)
    return PlotResult(data, node_text(graph, graph.output, limit=60), second)


class Derivation:
    """gradcli diff: the output and its derivatives as expressions, and the named
    intermediates those are written in (each with its own definition)."""

    def __init__(self, graph: Graph, output: Expr, derivatives: dict, intermediates: list,
                 order: int = 1):
        self.graph = graph
        self.output = output
        # {name: ∂f/∂name}; with order N > 1, {(x, y, ...): ∂ⁿf/∂x∂y...}
        self.derivatives = derivatives
        self.intermediates = intermediates
        self.order = order


def compute_derivatives(program: str, *, filename: str | None = None,
                        output: str | None = None, wrt: list[str] | None = None,
                        order: int = 1) -> Derivation:
    """Symbolic derivatives of the output with respect to `wrt` (default: every input):
    written in the inputs for an input, and in the named intermediates for an intermediate,
    since ∂f/∂q holds the rest of the program fixed at q's value."""
    statements = parse_program(program, filename)
    try:
        graph = lower(statements, program, filename, output)
    except NeedsArrays as needs:
        raise refuse_arrays("gradcli diff", source=program, span=needs.span) from None
    except GradcliError as error:
        raise error.with_source(program, filename)
    try:
        if order > 1:
            out, derivatives = load(ENGINES["symbolic higher"])(graph, wrt, order)
            return Derivation(graph, out, derivatives, [], order)
        out, derivatives, used = load(ENGINES["symbolic"])(graph, wrt)
    except GradcliError as error:
        raise error.with_source(program, filename)
    return Derivation(graph, out, derivatives, used)


def points_graph(program: str, filename: str | None, output: str | None) -> Graph | None:
    """The scalar graph for sweeping many points at once, or None when the program needs the
    array engine itself (a column of points would add an axis its shapes do not expect) or
    has an op without element-wise array kernels."""
    try:
        graph = lower(parse(program), program, filename, output)
    except NeedsArrays:
        return None
    if any(op.array_forward is None or op.vjp is None for op in graph.ops
           if op.forward is not None):
        return None
    return graph


def point_columns(graph: Graph, columns: dict, numbers: dict):
    """The output's value and every input's gradient at every point, as arrays, and which
    points need a run of their own (None when none does): the same numbers point_reports
    gives each point, without making a report per point."""
    value, grads, failed = load(ENGINES["point columns"])(graph, columns, numbers)
    for grad in grads.values():
        grad += 0.0         # as point_reports: -0.0 never survives the scalar sweep's sums
    return value, grads, failed


def point_reports(graph: Graph, points: list[dict], bindings: dict, numbers: dict):
    """Each point's Report (in order) from one vectorized sweep per block of points: that
    point's values and gradients, the local partials and warnings by the scalar rules. None
    where the point's maths fails somewhere (a non-finite value or gradient) or its report
    cannot be made: the caller runs such a point on its own, for the error it gives."""
    ops, starts, ids = graph.ops, graph.arg_start, graph.arg_ids
    for first, block_values, block_grads, failed in load(ENGINES["points"])(graph, points,
                                                                             numbers):
        for k in range(len(block_values)):
            if failed[k]:
                yield None
                continue
            values = array("d", block_values[k])
            grads = array("d", block_grads[k])
            local = array("d", bytes(8 * len(ids)))
            try:
                # The local partials by the scalar rules, as the scalar reverse sweep takes them.
                for i in range(len(ops)):
                    s, e = starts[i], starts[i + 1]
                    if s != e:
                        local[s:e] = array("d", ops[i].partials(values[i],
                                                                *[values[j] for j in ids[s:e]]))
                bound = check_bindings(graph, {**bindings, **points[first + k]})
                warnings = scalar.check_gradients(graph, values, grads, local)
            except GradcliError:
                yield None
                continue
            yield Report(graph, values, grads, local, warnings, bound)
