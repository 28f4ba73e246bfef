"""`gradcli verify` for backward passes written with arrays (the note's neuron and matrix blocks).

The forward pass is lowered by the array engine, drawing random arrays from one
generator seeded with `seed`; the backward statements are then evaluated in
order by the same lowering (never Python's eval), continuing the same generator,
so `dD = np.random.randn(*D.shape)` draws what numpy would draw next.

When the output is an array, the backward line that assigns its gradient (dD)
without reading any other gradient sets the upstream gradient, and the truth is
the reverse sweep started from it. When the output is a number, the upstream is 1.

A gradient variable is judged at the last line that assigns it (after its `+=`
lines): its shape against its variable's, its sign, and, for a list literal
`dx = [.., ..]`, item by item, so a wrong index points at its item. A line that
reads a gradient an earlier error spoilt is not judged again, and a line numpy
would reject (a product of mismatched shapes) is reported at its operator.
"""

from __future__ import annotations

import numpy as np

from gradcli.checks.results import ABS_TOL, REL_TOL, Finding, GradientCheck, VerifyResult
from gradcli.engine.arrays.lower import ArrayLowering
from gradcli.engine.arrays.sweep import reverse
from gradcli.errors import InputError, LineIndex, MathError, Span, did_you_mean
from gradcli.lang.expr import walk
from gradcli.lang.ops import CONST
from gradcli.lang.resolve import is_variable
from gradcli.numbers import shape_text
from gradcli.program.split import gradient_target


def _close(a, b) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=REL_TOL, atol=ABS_TOL))


def verify_arrays(report, statements, cut: int, backward_part, filename: str | None = None
                  ) -> VerifyResult:
    """The array program's forward pass is `report` (its random arrays drawn from the run's
    generator, which the backward lines continue)."""
    graph = report.graph
    source = graph.source
    lines = LineIndex(source)
    forward_part = statements[:cut]
    rng = report.generator
    env = graph.env
    if any(node >= len(graph.ops) for node in env.values()):
        # The last forward line made an input (`dq = np.ones(3)`), so it became the output and
        # the nodes computed before it were cut away.
        last = forward_part[-1]
        raise InputError(f"the forward pass ends with {last.name} = ..., a value that uses no "
                         "other names (an input), so nothing computed before it is "
                         "differentiated: end the forward pass with its output, or start the "
                         "backward pass with the output's gradient", Span(last.start, last.end))
    output = graph.output_name
    forward_names = set(env)
    values = {name: graph.values[node] for name, node in env.items()}
    out_value = graph.values[graph.output]

    first, last = statements[0], forward_part[-1]
    result = VerifyResult(filename, source, output,
                          (lines.line(first.start), lines.line(last.start)),
                          (lines.line(backward_part[0].start) if backward_part else 0,
                           lines.line(backward_part[-1].start) if backward_part else 0))
    final_line = {s.name: i for i, s in enumerate(backward_part) if s.kind != "expr"}
    truth: dict[str, np.ndarray] | None = None
    actual: dict[str, np.ndarray] = {}
    helpers: dict[str, np.ndarray] = {}
    tainted: set[str] = set()
    last_line: dict[str, int] = {}

    def find(statement, kind, message, name, span=None):
        span = span or Span(statement.start, statement.end)
        result.findings.append(Finding(lines.line(span.start), lines.column(span.start),
                                       name, kind, message, span))

    def true_gradients(upstream) -> dict[str, np.ndarray]:
        grads, _, _ = reverse(graph, graph.values, upstream)
        return {name: grads[node] for name, node in env.items()
                if graph.requires_grad[node] and grads[node] is not None}

    if out_value.ndim == 0:
        truth = true_gradients(np.ones(()))

    for index, statement in enumerate(backward_part):
        if statement.kind == "expr":
            continue
        variable = statement.name
        line = lines.line(statement.start)
        if variable in forward_names:
            find(statement, "reassign-forward",
                 f"{variable} is a value of the forward pass: the backward pass assigns "
                 f"gradients (d{variable}) and helper names, not forward values", variable)
            continue
        target = gradient_target(variable, forward_names, output)
        if target is not None and not graph.requires_grad[env[target]]:
            target = None       # a size or a constant has no gradient: dn is a helper name
        reads = {e.name for e in walk(statement.expr) if is_variable(e)}
        if reads & tainted:
            tainted.add(variable)       # spoilt by an error already reported upstream
            continue
        try:
            value = _evaluate(statement.expr, {**values, **helpers, **actual}, source, filename,
                              rng, reads)
        except (InputError, MathError) as error:
            if error.span is None or not statement.start <= error.span.start <= statement.end:
                raise
            find(statement, "error", error.message, variable, error.span)
            tainted.add(variable)
            continue
        store = helpers if target is None else actual
        if statement.kind == "augassign":
            if variable not in store:
                find(statement, "plus-unassigned",
                     f"'{variable} {statement.op} ...' adds to {variable}, but no line before "
                     f"assigns {variable} (Python would raise NameError): the first contribution "
                     f"is written '{variable} = ...'", variable)
                tainted.add(variable)
                continue
            try:
                value = store[variable] + value if statement.op == "+=" else store[variable] - value
            except ValueError:
                find(statement, "shape",
                     f"'{variable} {statement.op} ...' adds an array of the shape "
                     f"{shape_text(value.shape)} to {variable}, of the shape "
                     f"{shape_text(store[variable].shape)}", variable)
                tainted.add(variable)
                continue
        store[variable] = value
        last_line[variable] = line
        if target is None:
            continue
        gradient_reads = {name for name in reads if name in actual and name != variable}
        if truth is None:
            if target == output and not gradient_reads:
                if value.shape != out_value.shape:
                    raise InputError(f"{variable}, the upstream gradient of {output}, has the "
                                     f"shape {shape_text(value.shape)}, but {output} has the "
                                     f"shape {shape_text(out_value.shape)}",
                                     Span(statement.start, statement.end))
                truth = true_gradients(value)
                continue
            raise InputError(f"the output {output} is an array of the shape "
                             f"{shape_text(out_value.shape)}: the backward pass must first set its "
                             f"upstream gradient, as in d{output} = np.random.randn(*{output}.shape)",
                             Span(statement.start, statement.end))
        if final_line.get(variable) != index:
            continue        # judged once its last contribution is in
        _judge(statement, variable, target, value, truth[target], output, find, tainted, source)

    if truth is None:
        raise InputError(f"the output {output} is an array of the shape "
                         f"{shape_text(out_value.shape)}: the backward pass must set its upstream "
                         f"gradient, as in d{output} = np.random.randn(*{output}.shape)")
    for variable, value in actual.items():
        target = gradient_target(variable, forward_names, output)
        expected = truth[target]
        ok = variable not in tainted and _close(value, expected)
        result.gradients.append(GradientCheck(variable, target, last_line.get(variable, 0), ok,
                                              value, expected))
    assigned = {gradient_target(v, forward_names, output) for v in actual}
    assigned |= {gradient_target(v, forward_names, output) for v in tainted}
    for name, node in graph.inputs.items():
        if name not in assigned and graph.requires_grad[node] and name in truth:
            result.findings.append(Finding(
                0, 0, None, "never-computed",
                f"the backward pass never computes the gradient of the input {name} (d{name})"))
    result.findings.sort(key=lambda f: (f.line == 0, f.line))
    return result


def _evaluate(expr, env: dict, source: str, filename, rng, reads) -> np.ndarray:
    """The value of one backward line's right-hand side, by the array lowering, continuing
    the program's generator (so a randn here draws what numpy would draw next)."""
    scratch = ArrayLowering([], source, filename, {}, rng)
    for name in reads:
        if name in env:
            scratch.env[name] = scratch.graph.add(CONST, (), None, None, np.asarray(env[name]))
        else:
            use = next(e for e in walk(expr) if e.kind == "name" and e.name == name)
            hint = did_you_mean(name, env)
            raise InputError(f"{name!r} is not defined (no line before assigns it){hint}",
                             Span(use.start, use.end))
    node = scratch.lower_expr(expr)
    return np.asarray(scratch.graph.values[node], dtype=float)


def _judge(statement, variable, target, got, expected, output, find, tainted, source) -> None:
    """One finding (or none) for a gradient variable's final value; never states the truth."""
    if _close(got, expected):
        return
    tainted.add(variable)
    if got.shape != expected.shape:
        find(statement, "shape",
             f"{variable} has the shape {shape_text(got.shape)}, but {target} has the shape "
             f"{shape_text(expected.shape)}: a gradient has the shape of its variable "
             "(dimension analysis: check the order of the factors and which one is "
             "transposed)", variable)
        return
    if not np.allclose(expected, 0.0, atol=ABS_TOL) and _close(got, -expected):
        find(statement, "sign",
             f"{variable} has the wrong sign: check the local derivative with respect to "
             f"{target}", variable)
        return
    expr = statement.expr
    if statement.kind == "assign" and expr.kind == "array" and got.ndim \
            and len(expr.args) == got.shape[0]:
        for k, item in enumerate(expr.args):
            if not _close(got[k], expected[k]):
                text = " ".join(source[item.start:item.end].split())
                sign = " has the wrong sign" if not np.allclose(expected[k], 0.0, atol=ABS_TOL) \
                    and _close(got[k], -expected[k]) else " is wrong"
                find(statement, "wrong-entry",
                     f"{variable}[{k}] = {text}{sign}: it should be the gradient of {output} "
                     f"with respect to {target}[{k}] (check the index and the local "
                     "derivative)", variable, Span(item.start, item.end))
                return
    wrong = ~np.isclose(got, expected, rtol=REL_TOL, atol=ABS_TOL)
    count = int(wrong.sum())
    first = [int(k) for k in np.argwhere(wrong)[0]] if got.ndim else []
    where = f" (first at {first})" if first else ""
    entries = f"in {count} of {got.size} entries{where}" if got.ndim else ""
    find(statement, "wrong-local",
         f"{variable} differs from the gradient of {output} with respect to {target} "
         f"{entries}: check the local derivative and the upstream gradient it uses".replace(
             "  ", " "), variable)
