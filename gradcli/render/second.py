"""Second-order views: the Hessian (--hessian), a Hessian-vector product (--hvp) and the
per-node column ∂²f/∂x∂node (--order 2 --wrt x), as tables, JSON, CSV, Markdown and LaTeX.

Each reads a finished result of compute.py; the first-order gradients are the report's own.
"""

from __future__ import annotations

import math

from gradcli.lang.ops import CONST
from gradcli.lang.printer import latex_name, latex_number
from gradcli.numbers import format_number, json_number
from gradcli.program.graph import column_label
from gradcli.render.forward import GAP, NODE_MAX, column_groups
from gradcli.render.machine import csv_writer, dumps
from gradcli.render.rows import warning_lines
from gradcli.render.style import DIM, GRAD, VALUE

# The label column gives way first, down to this width, before a table splits or widens.
LABEL_MIN = 8

HESSIAN_NOTE = "row x, column y: ∂²{out}/∂x∂y (one Hessian-vector product per column)."
HVP_NOTE = "H·v: the gradient's derivative along v, by one forward-over-reverse sweep."
SECOND_NOTE = "∂²{out}/∂{x}∂node: how ∂{out}/∂node moves with the input {x}."


def _first_order(report) -> dict:
    return {"value": json_number(report.value),
            "gradients": {k: json_number(v) for k, v in report.gradients.items()}}


def _summary(report, precision: int):
    """(text, style) pieces: f = value, then the gradients."""
    out = report.output_name
    yield [(f"{out} = ", ""), (format_number(report.value, precision), VALUE)]
    pieces = []
    for name, grad in report.gradients.items():
        pieces += [("   " if pieces else "", ""), (f"∂{out}/∂{name} = ", ""),
                   (format_number(grad, precision), GRAD)]
    if pieces:
        yield pieces


class Columns:
    """A table of a label column, fixed columns and number columns, split into several
    tables where the number columns do not fit (a number is never cut); then notes."""

    def __init__(self, rows, headers, styles, fixed, report, notes, settings):
        self.rows = rows              # [(label, [fixed cells], [number cells])] or None (a gap)
        self.headers = headers        # label header, fixed headers, number headers
        self.styles = styles          # style per number column
        self.fixed = fixed            # (style, justify) of each fixed column
        self.report = report
        self.notes = notes
        self.settings = settings

    def _widths(self):
        real = [r for r in self.rows if r is not None]
        label_header, fixed_headers, number_headers = self.headers
        label = min(NODE_MAX, max([len(label_header)] + [len(r[0]) for r in real]))
        fixed = [max([len(h)] + [len(r[1][k]) for r in real]) for k, h in
                 enumerate(fixed_headers)]
        numbers = [max([len(h)] + [len(r[2][k]) for r in real]) for k, h in
                   enumerate(number_headers)]
        return label, fixed, numbers

    def min_width(self) -> int:
        label, fixed, numbers = self._widths()
        return min(label, LABEL_MIN) + sum(GAP + w for w in fixed) + GAP + max(numbers + [0])

    def __rich_console__(self, console, options):
        from rich import box
        from rich.table import Table
        from rich.text import Text

        label_header, fixed_headers, number_headers = self.headers
        label, fixed, numbers = self._widths()
        budget = options.max_width
        rest = sum(GAP + w for w in fixed)
        need = label + rest + sum(GAP + w for w in numbers)
        if need > budget:
            label = max(min(label, LABEL_MIN), label - (need - budget))
        groups = column_groups(label + rest, numbers, budget) if numbers else [[]]
        for number, group in enumerate(groups):
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                          collapse_padding=True, header_style="bold")
            table.add_column(label_header, overflow="ellipsis", no_wrap=True, width=label)
            for k, header in enumerate(fixed_headers):
                style, justify = self.fixed[k]
                table.add_column(header, justify=justify, no_wrap=True, min_width=fixed[k],
                                 style=style)
            for k in group:
                table.add_column(number_headers[k], justify="right", no_wrap=True,
                                 min_width=numbers[k], style=self.styles[k])
            for row in self.rows:
                if row is None:
                    table.add_row(Text("…", style=DIM), *["" for _ in fixed],
                                  *["" for _ in group])
                    continue
                table.add_row(row[0], *row[1], *[row[2][k] for k in group])
            if number:
                yield Text("")
            yield table
        for pieces in _summary(self.report, self.settings.precision):
            yield Text.assemble(*pieces)
        for note in self.notes:
            yield Text(note, style=DIM if not note.startswith("!") else "")


# ------------------------------------------------------------------ --hessian

def hessian_table(result, settings) -> Columns:
    p = settings.precision
    names = result.names
    rows = [(name, [], [format_number(v, p) + ("" if math.isfinite(v) else "!") for v in row])
            for name, row in zip(names, result.matrix)]
    out = result.report.output_name
    notes = [HESSIAN_NOTE.format(out=out)] + warning_lines(result.report,
                                                           warnings=result.warnings)
    return Columns(rows, (f"∂²{out}", [], list(names)), [GRAD] * len(names), [], result.report,
                   notes, settings)


def hessian_json(result, settings) -> str:
    return dumps({**_first_order(result.report), "inputs": list(result.names),
                  "hessian": [[json_number(v) for v in row] for row in result.matrix],
                  "warnings": [dict(w) for w in result.warnings]})


def hessian_csv(result, settings) -> str:
    """One row per input: its name, then ∂²f/∂row∂column for each column (repr: exact)."""
    import io

    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["input", *result.names])
    for name, row in zip(result.names, result.matrix):
        writer.writerow([name, *[repr(v) for v in row]])
    return buffer.getvalue()


def hessian_markdown(result, settings) -> str:
    p = settings.precision
    out = result.report.output_name
    lines = [f"| ∂²{out}/∂row∂column | " + " | ".join(f"`{n}`" for n in result.names) + " |",
             "|---|" + "--:|" * len(result.names)]
    for name, row in zip(result.names, result.matrix):
        lines.append(f"| `{name}` | " + " | ".join(format_number(v, p) for v in row) + " |")
    lines += ["", f"**{out} = {format_number(result.report.value, p)}**", "",
              ", ".join(f"∂{out}/∂{n} = {format_number(g, p)}"
                        for n, g in result.report.gradients.items())]
    notes = warning_lines(result.report, "⚠", warnings=result.warnings)
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def hessian_latex(result, settings) -> str:
    """A pmatrix in a complete document, rows and columns in the order named in its comment."""
    p = settings.precision
    out = latex_name(result.report.output_name)
    names = ", ".join(latex_name(n) for n in result.names)
    body = [" & ".join(latex_number(format_number(v, p)) for v in row) + r" \\"
            for row in result.matrix]
    body[-1] = body[-1].removesuffix(r" \\")
    return "\n".join([
        r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}",
        f"% rows and columns: {', '.join(result.names)}",
        r"\[", rf"\nabla^2 {out}\,({names}) = \begin{{pmatrix}}", *body, r"\end{pmatrix}",
        r"\]", r"\end{document}"]) + "\n"


# ------------------------------------------------------------------ --hvp

def hvp_table(result, settings) -> Columns:
    p = settings.precision
    report = result.report
    out = report.output_name
    rows = [(name, [format_number(result.direction[name], p)],
             [format_number(report.gradients[name], p), format_number(result.product[name], p)])
            for name in report.gradients]
    notes = [HVP_NOTE] + warning_lines(report, warnings=result.warnings)
    return Columns(rows, ("input", ["v"], [f"∂{out}/∂input", "H·v"]), [GRAD, GRAD], [("", "right")],
                   report, notes, settings)


def hvp_json(result, settings) -> str:
    return dumps({**_first_order(result.report),
                  "direction": {k: json_number(v) for k, v in result.direction.items()},
                  "hvp": {k: json_number(v) for k, v in result.product.items()},
                  "warnings": [dict(w) for w in result.warnings]})


def hvp_csv(result, settings) -> str:
    import io

    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["input", "v", "grad", "hvp"])
    for name in result.report.gradients:
        writer.writerow([name, repr(result.direction[name]),
                         repr(result.report.gradients[name]), repr(result.product[name])])
    return buffer.getvalue()


# ------------------------------------------------------------------ --order 2 --wrt x

def _shown_nodes(report, settings) -> list:
    graph = report.graph
    shown = [i for i in range(graph.output + 1)
             if settings.show_all or graph.ops[i] is not CONST]
    limit = None if settings.show_all else settings.max_rows
    if limit is not None and len(shown) > limit:
        half = limit // 2
        shown = shown[:half] + [None] + shown[-half:]
    return shown


def second_table(result, settings) -> Columns:
    p = settings.precision
    report = result.report
    graph = report.graph
    out = report.output_name
    names = list(result.columns)
    rows = []
    for node in _shown_nodes(report, settings):
        if node is None:
            rows.append(None)
            continue
        wants = graph.requires_grad[node]
        rows.append((column_label(graph, node),
                     [graph.ops[node].name, format_number(report.values[node], p)],
                     [format_number(report.grads[node], p) if wants else "",
                      *[format_number(result.columns[n][node], p) if wants else ""
                        for n in names]]))
    notes = [SECOND_NOTE.format(out=out, x=names[0])] + \
        warning_lines(report, warnings=result.warnings)
    headers = [f"∂{out}/∂node"] + [f"∂²{out}/∂{n}∂node" for n in names]
    return Columns(rows, ("node", ["op", "value"], headers), [GRAD] * len(headers),
                   [("", "left"), (VALUE, "right")], report, notes, settings)


def second_json(result, settings) -> str:
    report = result.report
    graph = report.graph
    nodes = []
    for node in range(graph.output + 1):
        wants = graph.requires_grad[node]
        nodes.append({"id": node, "name": graph.names[node], "op": graph.ops[node].name,
                      "value": json_number(report.values[node]),
                      "grad": json_number(report.grads[node]) if wants else None,
                      "second": {n: json_number(c[node]) if wants else None
                                 for n, c in result.columns.items()}})
    return dumps({**_first_order(report), "wrt": list(result.columns), "nodes": nodes,
                  "warnings": [dict(w) for w in result.warnings]})


def second_csv(result, settings) -> str:
    import io

    report = result.report
    graph = report.graph
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    names = list(result.columns)
    writer.writerow(["id", "name", "op", "value", "grad", *[f"second_{n}" for n in names]])
    for node in range(graph.output + 1):
        wants = graph.requires_grad[node]
        writer.writerow([node, graph.names[node] or "", graph.ops[node].name,
                         repr(report.values[node]), repr(report.grads[node]) if wants else "",
                         *[repr(result.columns[n][node]) if wants else "" for n in names]])
    return buffer.getvalue()
