"""--exact: the same sweeps in rational arithmetic, wherever the expression allows it.

+ - * /, integer powers, abs, max, min, relu and rational inputs (`x=1/3`, or a
literal like 0.1, read from its text, not from the float) stay exact
(Fractions). An op with no rational result (exp, sin, log, a non-integer
power, pi) makes that value inexact: its float is shown, marked ≈, and so is
everything computed from it. Sizes are estimated before each exact step, and a
number that would need more than MAX_DIGITS digits falls back to its float the
same way, so nothing hangs and nothing reaches Python's integer-to-string limit.
The float report is computed first, so domain errors are reported exactly as
without --exact. A float overflow is not an error here when the exact numbers
asked for exist (x^1000 at x = 3); when one of them has no exact form
(9^9^9^9, x^1000 + exp(x)) the float run's overflow error stands.
"""

from __future__ import annotations

import math
from fractions import Fraction

from gradcli.errors import InputError

MAX_DIGITS = 4000
MAX_BITS = int(MAX_DIGITS * 3.32)


def _size(q) -> int:
    q = Fraction(q)
    return q.numerator.bit_length() + q.denominator.bit_length()


def apply_exact(op, args):
    """op applied exactly, or None when the result is not rational or would be too large."""
    if op.exact is None or any(a is None for a in args):
        return None
    sizes = [_size(a) for a in args]
    bits = op.exact_bits(sizes, *args) if op.exact_bits is not None else sum(sizes)
    if bits > MAX_BITS:
        return None
    try:
        result = op.exact(*args)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    return None if result is None else Fraction(result)


class _Inexact:
    """Stands for a value known only as a float while the exact partials are computed.

    Arithmetic with it gives it back (like NaN), so a partial that does not depend on an
    inexact value (∂(a + b)/∂a = 1, ∂(a·b)/∂a = b) stays exact and one that does becomes
    inexact; a comparison with it cannot be decided, so it raises.
    """

    def _same(self, *_):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _same

    def _undecided(self, *_):
        raise ValueError("an inexact value cannot be compared exactly")

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__ = _undecided
    __hash__ = None


INEXACT = _Inexact()


def partials_exact(op, ans, args):
    """The local partials exactly, one Fraction or None (inexact) per argument.

    A partial is inexact only when it depends on an inexact value: the others are computed
    with the inexact values standing in as INEXACT.
    """
    if op.exact_partials is None:
        return [None] * len(args)
    known = [a for a in args if a is not None] + ([ans] if ans is not None else [])
    sizes = [_size(a) for a in known]
    if op.exact_bits is not None and all(a is not None for a in args):
        bits = op.exact_bits(sizes, *args)
    else:
        bits = sum(sizes)
    if bits > MAX_BITS:
        return [None] * len(args)
    stand_in = [INEXACT if a is None else a for a in args]
    try:
        result = op.exact_partials(INEXACT if ans is None else ans, *stand_in)
    except (ZeroDivisionError, ValueError, OverflowError, TypeError, AttributeError):
        return [None] * len(args)
    return [None if p is None or isinstance(p, _Inexact) else Fraction(p) for p in result]


def literal(expr, source: str):
    """A number literal's exact value, from the text the user wrote (0.1 is 1/10)."""
    if 0 <= expr.start < expr.end <= len(source):
        try:
            return Fraction(source[expr.start:expr.end].replace("_", ""))
        except (ValueError, ZeroDivisionError):
            pass
    return Fraction(expr.value)


def constant_exact(root, source: str):
    """A constant expression (a binding's value, an input's default) exactly, or None."""
    from gradcli.graph import fold_expr

    def leaf(expr):
        # pi, e and math.pi are not rational.
        return literal(expr, source) if expr.kind == "number" else None

    return fold_expr(root, leaf, lambda op, args, expr: apply_exact(op, args))


def report_past_overflow(text, bindings, output, filename, error):
    """The float report for --exact when the float sweeps overflow: inf where a float overflowed.

    The exact sweep does not need the floats, so an overflow there is no reason to refuse;
    `error` is kept and raised by the renderer if the value or a gradient has no exact form.
    Anything else (a domain error, bad input) fails as without --exact.
    """
    from array import array

    from gradcli.errors import GradcliError
    from gradcli.graph import NeedsArrays, lower
    from gradcli.report import Report, check_bindings
    from gradcli.sweep import _FAILURES, check_gradients
    from gradcli.syntax import parse

    try:
        graph = lower(parse(text), text, filename, output)     # parsed once already
    except NeedsArrays as needs:
        from gradcli.scalar_only import refuse_arrays

        raise refuse_arrays("--exact", source=text, span=needs.span,
                            binding=getattr(needs, "binding", None)) from None
    bound = check_bindings(graph, dict(bindings or {}))
    values = array("d", graph.leaf_values)
    for name, value in bound.items():
        values[graph.inputs[name]] = value
    for i in range(len(graph.ops)):
        args = graph.args(i)
        if args:
            try:
                values[i] = graph.ops[i].forward(*[values[j] for j in args])
            except OverflowError:
                values[i] = math.inf
            except _FAILURES:
                raise error from None
    n = len(graph.ops)
    grads = array("d", bytes(8 * n))
    local = array("d", bytes(8 * len(graph.arg_ids)))
    grads[graph.output] = 1.0
    for i in range(graph.output, -1, -1):
        s, e = graph.arg_start[i], graph.arg_start[i + 1]
        if s == e:
            continue
        args = graph.arg_ids[s:e]
        try:
            partials = graph.ops[i].partials(values[i], *[values[j] for j in args])
        except _FAILURES:
            partials = [math.nan] * (e - s)
        for k, p in enumerate(partials):
            local[s + k] = p
            if grads[i] and graph.requires_grad[args[k]]:
                grads[args[k]] += p * grads[i]
    try:
        warnings = check_gradients(graph, values, grads, local)
    except GradcliError:
        warnings = []
    # Infinite partials here come from the overflow itself, not from the function.
    warnings = [w for w in warnings if w["kind"] in ("kink", "tie")]
    report = Report(graph, values, grads, local, warnings, bound)
    report.float_failure = error
    return report


def exact_warnings(result) -> list[dict]:
    """The float sweep's warnings that still hold: an infinite or undefined float derivative
    whose exact value exists (1/x at x = 1e-300) is only a float overflow."""
    report = result.report
    graph = report.graph
    kept = []
    for warning in report.warnings:
        node = warning["node"]
        if warning["kind"] == "nonfinite-gradient" and result.grads[node] is not None:
            continue
        if warning["kind"] in ("infinite", "undefined") and all(
                result.grads[a] is not None for a in graph.args(node) if graph.requires_grad[a]):
            continue
        kept.append(warning)
    return kept


class ExactResult:
    def __init__(self, report, values, grads):
        self.report = report
        self.values = values     # Fraction or None (inexact) per node
        self.grads = grads


def compute_exact(report, binding_texts: dict[str, str]) -> ExactResult:
    from gradcli.syntax import parse

    graph = report.graph
    n = graph.output + 1
    values: list = [None] * n
    # Inputs: the binding's text, else the program's default, read exactly.
    defaults = {}
    for statement in parse(graph.source):
        if statement.kind == "assign" and statement.name in graph.inputs:
            defaults[statement.name] = (statement.expr, graph.source)
    for name, node in graph.inputs.items():
        if name in binding_texts:
            text = binding_texts[name]
            statements = parse(text)
            values[node] = constant_exact(statements[0].expr, text)
        elif name in defaults:
            values[node] = constant_exact(*defaults[name])
    for i in range(n):
        op = graph.ops[i]
        if op.name == "input":
            continue
        if op.name == "const":
            expr = graph.exprs[i]
            values[i] = literal(expr, graph.source) if expr is not None and expr.kind == "number" \
                else None
            continue
        values[i] = apply_exact(op, [values[a] for a in graph.args(i)])

    grads: list = [Fraction(0)] * n
    grads[graph.output] = Fraction(1)
    for i in range(n - 1, -1, -1):
        args = list(graph.args(i))
        if not args or not graph.requires_grad[i]:
            continue
        g = grads[i]
        partials = partials_exact(graph.ops[i], values[i], [values[a] for a in args]) \
            if g is not None else [None] * len(args)
        for a, p in zip(args, partials):
            if not graph.requires_grad[a] or grads[a] is None:
                continue
            if g == 0:
                continue          # nothing flows back, exactly as in the float sweep
            if p is None or _size(p) + _size(g) + _size(grads[a]) > MAX_BITS:
                grads[a] = None
            else:
                grads[a] = grads[a] + p * g
    return ExactResult(report, values, grads)


def show(q, approx: float, precision: int) -> str:
    """1/3 ≈ 0.3333; -12; ≈ 0.7311 (inexact)."""
    from gradcli.render import format_number

    if q is None or q == 0:
        decimal = format_number(approx if q is None else 0.0, precision)
    else:
        # From the fraction itself, so 1/3^1000 shows as 7.6e-478, not as an underflowed 0.
        from decimal import Context, Decimal

        context = Context(prec=precision + 2, Emin=-10**9, Emax=10**9)
        ratio = context.divide(Decimal(q.numerator), Decimal(q.denominator))
        decimal = f"{ratio:.{precision}g}".replace("E", "e")
        if "e" not in decimal and "." in decimal:
            decimal = decimal.rstrip("0").rstrip(".")
    if q is None:
        return f"≈ {decimal}"
    if q.denominator == 1:
        text = str(q.numerator)
        # The digit count says the size; the whole number is in the JSON.
        return text if len(text) <= 40 else f"{text[:12]}…({len(text.lstrip('-'))} digits)"
    text = f"{q.numerator}/{q.denominator}"
    if len(text) > 40:
        return (f"({len(str(abs(q.numerator)))}-digit)/({len(str(q.denominator))}-digit) "
                f"≈ {decimal}")
    return f"{text} ≈ {decimal}"


def render_exact(report, settings, format_: str, tokens):
    from gradcli.cli import BINDING

    from gradcli.scalar_only import refuse_arrays, uses_arrays

    if uses_arrays(report):
        raise refuse_arrays("--exact", report)
    if format_ not in ("table", "json"):
        raise InputError(f"--exact writes a table or JSON, not {format_}")
    texts = {}
    for token in tokens:
        match = BINDING.match(token)
        if match:
            texts[match.group(1)] = match.group(2).strip()
    result = compute_exact(report, texts)
    failure = getattr(report, "float_failure", None)
    if failure is not None:
        graph = report.graph
        wanted = [graph.output] + [graph.inputs[name] for name in settings.wrt or graph.inputs
                                   if name in graph.inputs]
        exact = [result.values[graph.output]] + [result.grads[node] for node in wanted[1:]]
        if any(q is None for q in exact):
            raise failure       # a number asked for has no exact form, and its float overflowed
    if format_ == "json":
        import json

        from gradcli.render.machine import finite_or_string

        graph = report.graph

        def item(q, approx):
            return {"exact": None if q is None else str(q), "float": finite_or_string(approx)}

        nodes = [{"id": i, "name": graph.names[i], "op": graph.ops[i].name,
                  "value": item(result.values[i], report.values[i]),
                  "grad": item(result.grads[i], report.grads[i]) if graph.requires_grad[i]
                  else None} for i in range(graph.output + 1)]
        data = {"value": item(result.values[graph.output], report.value),
                "gradients": {name: item(result.grads[node], report.grads[node])
                              for name, node in graph.inputs.items()},
                "nodes": nodes,
                "warnings": [{"node": w["node"], "kind": w["kind"], "message": w["message"]}
                             for w in exact_warnings(result)]}
        return json.dumps(data) + "\n", "text"
    return ExactTable(result, settings), "renderable"


NOTE = (f"≈ marks a float: no rational result (exp, log, sin, pi) or over {MAX_DIGITS:,} "
        f"digits.")


def _summary(label: str, text: str, style: str):
    from rich.text import Text

    if text.startswith("≈ "):
        return Text.assemble(f"{label} ≈ ", (text[2:], style))
    return Text.assemble(f"{label} = ", (text, style))


class ExactTable:
    def __init__(self, result: ExactResult, settings):
        self.result, self.settings = result, settings

    def __rich_console__(self, console, options):
        from rich import box
        from rich.table import Table
        from rich.text import Text

        from gradcli.render.rows import node_label, warning_lines

        result, settings = self.result, self.settings
        report = result.report
        graph = report.graph
        precision = settings.precision
        out = report.output_name
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                      collapse_padding=True, header_style="bold")
        table.add_column("node", overflow="ellipsis", no_wrap=True, max_width=18)
        table.add_column("op", no_wrap=True)
        table.add_column("value", justify="right", style="green", overflow="fold")
        table.add_column(f"∂{out}/∂node", justify="right", style="red", overflow="fold")
        shown = [i for i in range(graph.output + 1)
                 if settings.show_all or graph.ops[i].name != "const"]
        limit = None if settings.show_all else settings.max_rows
        if limit is not None and len(shown) > limit:
            half = limit // 2
            shown = shown[:half] + [None] + shown[-half:]
        warnings = exact_warnings(result)
        flagged = {w["node"] for w in warnings}
        for node in shown:
            if node is None:
                table.add_row(Text("… (--all shows every row)", style="dim"), "", "", "")
                continue
            grad = show(result.grads[node], report.grads[node], precision) \
                if graph.requires_grad[node] else ""
            if grad and (node in flagged or (result.grads[node] is None
                                             and not math.isfinite(report.grads[node]))):
                grad += "!"     # as in the float table: a warning concerns its derivatives
            table.add_row(node_label(graph, node), graph.ops[node].name,
                          show(result.values[node], report.values[node], precision), grad)
        yield table
        yield _summary(out, show(result.values[graph.output], report.value, precision), "green")
        for name, node in graph.inputs.items():
            text = show(result.grads[node], report.grads[node], precision)
            if result.grads[node] is None and not math.isfinite(report.grads[node]):
                text += "!"
            yield _summary(f"∂{out}/∂{name}", text, "red")
        notes = []
        if any(v is None for v in result.values) or any(g is None for g in result.grads):
            notes.append(NOTE)
        overflowed = getattr(report, "float_failure", None) is not None or any(
            q is not None and not math.isfinite(f)
            for q, f in zip(result.values + result.grads, list(report.values) + list(report.grads)))
        if overflowed:
            notes.append("The float sweep overflows here; the exact numbers above do not.")
        if notes:
            yield Text("\n".join(notes), style="dim")
        lines = warning_lines(report, warnings=warnings)
        if lines:
            yield Text("\n".join(lines))
