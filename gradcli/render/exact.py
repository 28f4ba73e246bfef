"""--exact: the exact report as a table (fractions, ≈ where a value is only a float) and as JSON."""

from __future__ import annotations

import math
from decimal import Context, Decimal

from gradcli.engine.exact import MAX_DIGITS
from gradcli.lang.ops import CONST
from gradcli.numbers import format_number, json_number
from gradcli.program.graph import column_label
from gradcli.render.machine import dumps
from gradcli.render.rows import warning_lines


def show(q, approx: float, precision: int) -> str:
    """1/3 ≈ 0.3333; -12; ≈ 0.7311 (inexact)."""
    if q is None or q == 0:
        decimal = format_number(approx if q is None else 0.0, precision)
    else:
        # From the fraction itself, so 1/3^1000 shows as 7.6e-478, not as an underflowed 0.
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


def render_json(result, settings) -> str:
    report = result.report
    graph = report.graph

    def item(q, approx):
        return {"exact": None if q is None else str(q), "float": json_number(approx)}

    nodes = [{"id": i, "name": graph.names[i], "op": graph.ops[i].name,
              "value": item(result.values[i], report.values[i]),
              "grad": item(result.grads[i], report.grads[i]) if graph.requires_grad[i]
              else None} for i in range(graph.output + 1)]
    data = {"value": item(result.values[graph.output], report.value),
            "gradients": {name: item(result.grads[node], report.grads[node])
                          for name, node in graph.inputs.items()},
            "nodes": nodes,
            "warnings": [{"node": w["node"], "kind": w["kind"], "message": w["message"]}
                         for w in result.warnings()]}
    return dumps(data)


def render_table(result, settings) -> "ExactTable":
    return ExactTable(result, settings)


NOTE = (f"≈ marks a float: no rational result (exp, log, sin, pi) or over {MAX_DIGITS:,} "
        f"digits.")


def _summary(label: str, text: str, style: str):
    from rich.text import Text

    if text.startswith("≈ "):
        return Text.assemble(f"{label} ≈ ", (text[2:], style))
    return Text.assemble(f"{label} = ", (text, style))


class ExactTable:
    def __init__(self, result, settings):
        self.result, self.settings = result, settings

    def __rich_console__(self, console, options):
        from rich import box
        from rich.table import Table
        from rich.text import Text

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
                 if settings.show_all or graph.ops[i] is not CONST]
        limit = None if settings.show_all else settings.max_rows
        if limit is not None and len(shown) > limit:
            half = limit // 2
            shown = shown[:half] + [None] + shown[-half:]
        warnings = result.warnings()
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
            table.add_row(column_label(graph, node), graph.ops[node].name,
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
        overflowed = report.float_failure is not None or any(
            q is not None and not math.isfinite(f)
            for q, f in zip(result.values + result.grads, list(report.values) + list(report.grads)))
        if overflowed:
            notes.append("The float sweep overflows here; the exact numbers above do not.")
        if notes:
            yield Text("\n".join(notes), style="dim")
        lines = warning_lines(report, warnings=warnings)
        if lines:
            yield Text("\n".join(lines))
