"""Renderers for reports of array programs: a shape column, compact previews, dimension analysis.

The table, Markdown, JSON and CSV renderers hand an ArrayReport here. Values and
gradients show as previews (the first entries: `[[1.76 0.4 …] …]`); JSON and
CSV carry every entry as nested lists.
"""

from __future__ import annotations

import json

from gradcli.lang.ops import CONST
from gradcli.numbers import preview, shape_text
from gradcli.program.graph import column_label, label
from gradcli.render.machine import csv_writer
from gradcli.render.rows import warning_lines
from gradcli.render.settings import Settings, wrt_names
from gradcli.render.style import DIM, GRAD, VALUE

EDGE_WIDTH = 12
# (value and gradient, edge) preview widths, widest first: the table takes the first that fits.
PREVIEW_WIDTHS = ((26, 20), (22, 18), (18, 14), (15, 12), (12, 10))
NODE_LIMIT = 12


def _short_precision(settings: Settings) -> int:
    return min(settings.precision, 3)


def _edges(report, node: int, settings: Settings, width: int = EDGE_WIDTH) -> list[tuple[str, str]]:
    """(local, downstream) per input edge that takes a gradient."""
    graph = report.graph
    s, e = graph.arg_start[node], graph.arg_start[node + 1]
    precision = _short_precision(settings)
    scalar = report.values[node].ndim == 0
    edges = []
    for k in range(e - s):
        target = graph.arg_ids[s + k]
        if not graph.requires_grad[target]:
            continue
        handle = label(graph, target)
        if scalar:
            local = f"∂/∂{handle} = {preview(report.local[s + k], precision, width)}"
        else:
            local = f"∂/∂{handle}"      # a Jacobian, never built: the sweep applies the VJP
        edges.append((local, preview(report.downstream[s + k], precision, width)))
    return edges


def _forks(report, node: int) -> list:
    """(consumer label, what it sends) for a node used more than once: they add up to its grad."""
    if not report.graph.requires_grad[node]:
        return []
    contributions = report.contributions(node)
    if len(contributions) < 2:
        return []
    return [(label(report.graph, consumer), amount) for consumer, amount in contributions]


def _shown_nodes(report, settings: Settings) -> tuple[list[int], int]:
    graph = report.graph
    shown = [i for i in range(len(graph.ops)) if settings.show_all or graph.ops[i] is not CONST]
    return shown, len(graph.ops) - len(shown)


def notes(report, settings: Settings) -> list[str]:
    """The lines under the table: upstream, seed, dimension analysis, warnings."""
    graph = report.graph
    out = report.output_name
    lines = []
    if report.values[report.output].ndim:
        if report.upstream_source == "ones":
            lines.append(f"upstream: ones, so these are the gradients of sum({out}) "
                         "(see --upstream).")
        else:
            lines.append(f"upstream: {report.upstream_source} (see --upstream).")
    if report.program_seed is not None:
        lines.append(f"random arrays: from the program's np.random.seed({report.program_seed}).")
    elif report.drew_random:
        lines.append(f"random arrays: seed {report.seed}, as after np.random.seed({report.seed}) "
                     "(--seed N).")
    analysis = [line for node in range(len(graph.ops)) for line in report.dimension_analysis(node)]
    if analysis:
        lines.append("dimension analysis (each gradient has its input's shape):")
        lines.extend(f"  {line}" for line in analysis)
    return lines


def summary(report, settings: Settings) -> list[tuple[str, str, str]]:
    """(label, kind, preview) for the output and each gradient the user asked for."""
    out = report.output_name
    precision = settings.precision
    value = report.value
    items = [(f"{out} {shape_text(value.shape)}" if value.ndim else out, "value",
              preview(value, precision, 40))]
    for name in wrt_names(report, settings):
        grad = report.gradient(name)
        shape = f" {shape_text(grad.shape)}" if grad.ndim else ""
        items.append((f"∂{out}/∂{name}{shape}", "grad", preview(grad, precision, 40)))
    return items


# ------------------------------------------------------------------ Rich table

class ArrayTable:
    def __init__(self, report, settings: Settings):
        self.report = report
        self.settings = settings

    def _layout(self, max_width: int):
        """Cells with the widest previews that keep the table within max_width (or the
        narrowest previews), the headers, and the rows shown."""
        from rich.text import Text

        report, settings = self.report, self.settings
        graph = report.graph
        out = report.output_name
        precision = _short_precision(settings)
        shown, hidden = _shown_nodes(report, settings)
        if not settings.show_all and len(shown) > settings.max_rows:
            half = settings.max_rows // 2
            shown = shown[:half] + [None] + shown[-half:]
        headers = ("node", "op", "shape", "value", f"∂{out}/∂node" if len(out) <= 8 else "upstream",
                   "local", "downstream")

        def build(width: int, edge_width: int) -> list:
            cells = []
            for node in shown:
                if node is None:
                    cells.append((Text("…", style=DIM), "", "", "", "", "", ""))
                    continue
                value = report.values[node]
                grad = report.grads[node] if graph.requires_grad[node] else None
                edges = _edges(report, node, settings, edge_width) or [("", "")]
                name = column_label(graph, node, NODE_LIMIT)
                cells.append((Text(name, style="bold" if graph.names[node] else ""),
                              graph.ops[node].name, shape_text(value.shape),
                              preview(value, precision, width), preview(grad, precision, width),
                              *edges[0]))
                for local, down in edges[1:]:
                    cells.append(("", "", "", "", "", local, down))
                for source, amount in _forks(report, node):
                    cells.append((Text(f" ← {source}", style=DIM), "", "", "",
                                  Text(preview(amount, precision, width), style=f"{GRAD} {DIM}"),
                                  "", ""))
            return cells

        def widest(cells, column: int) -> int:
            return max([len(headers[column])] + [len(str(cell[column])) for cell in cells])

        # The widest previews that keep the table within the console.
        for width, edge_width in PREVIEW_WIDTHS:
            cells = build(width, edge_width)
            total = sum(min(widest(cells, c), NODE_LIMIT if c == 0 else 16 if c == 5 else 99)
                        for c in range(7)) + 6
            if total <= max_width:
                break
        return cells, headers, shown, hidden, total, widest

    def min_width(self) -> int:
        """The narrowest console that shows every preview whole (the CLI widens to it)."""
        return self._layout(0)[4]

    def __rich_console__(self, console, options):
        from rich import box
        from rich.table import Table
        from rich.text import Text

        report, settings = self.report, self.settings
        graph = report.graph
        cells, headers, shown, hidden, _, widest = self._layout(options.max_width)

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0,
                      collapse_padding=True, header_style="bold")
        # Numbers and shapes never shrink; the node column is cut with '…', local folds last.
        table.add_column(headers[0], overflow="ellipsis", no_wrap=True, max_width=NODE_LIMIT)
        table.add_column(headers[1], no_wrap=True, min_width=widest(cells, 1))
        table.add_column(headers[2], no_wrap=True, min_width=widest(cells, 2))
        table.add_column(headers[3], justify="right", style=VALUE, no_wrap=True,
                         min_width=widest(cells, 3))
        table.add_column(headers[4], justify="right", style=GRAD, no_wrap=True,
                         min_width=widest(cells, 4))
        table.add_column(headers[5], overflow="fold", min_width=min(widest(cells, 5), 10))
        table.add_column(headers[6], justify="right", style=GRAD, no_wrap=True,
                         min_width=widest(cells, 6))
        for cell in cells:
            table.add_row(*cell)
        yield table
        for text, kind, shown_value in summary(report, settings):
            style = VALUE if kind == "value" else GRAD
            yield Text.assemble(f"{text} = ", (shown_value, style))
        lines = notes(report, settings)
        if any(graph.arg_start[n] < graph.arg_start[n + 1] and report.values[n].ndim
               for n in shown if n is not None):
            lines.append("local: an array node's Jacobian is never built; its op's VJP is "
                         "applied.")
        if any(_forks(report, node) for node in shown if node is not None):
            lines.append("←: what each use of a value sends back; they add up to its gradient.")
        lines.append("previews show the first entries; --format json has every entry.")
        if hidden:
            lines.append(f"{hidden} constant node{'s' if hidden != 1 else ''} not shown "
                         "(--all shows them).")
        lines.extend(warning_lines(report))
        yield Text("\n".join(lines), style="" if report.warnings else DIM)


def render_table(report, settings: Settings):
    return ArrayTable(report, settings)


# ------------------------------------------------------------------ Markdown

def render_markdown(report, settings: Settings) -> str:
    graph = report.graph
    out = report.output_name
    precision = _short_precision(settings)
    lines = [f"| node | op | shape | value | ∂{out}/∂node |", "|---|---|---|--:|--:|"]
    shown, hidden = _shown_nodes(report, settings)
    for node in shown:
        grad = report.grads[node] if graph.requires_grad[node] else None
        cell = column_label(graph, node, NODE_LIMIT).replace("|", "\\|")
        lines.append(f"| `{cell}` | {graph.ops[node].name} | {shape_text(report.shape(node))} | "
                     f"{preview(report.values[node], precision)} | {preview(grad, precision)} |")
    lines.append("")
    items = summary(report, settings)
    lines.append(f"**{items[0][0]} = {items[0][2]}**")
    lines.extend(["", *(f"- {text} = `{value}`" for text, _, value in items[1:])])
    extra = notes(report, settings)
    analysis = [line.strip() for line in extra if line.startswith("  ")]
    if extra:
        lines.append("")
        lines.extend(f"- {line}" for line in extra if not line.startswith("  "))
    if analysis:
        lines.extend(["", "```text", *analysis, "```"])
    if hidden:
        lines.extend(["", f"{hidden} constant node{'s' if hidden != 1 else ''} not shown."])
    lines.extend(warning_lines(report, "- ⚠"))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ JSON and CSV

CSV_COLUMNS = ["id", "name", "op", "text", "shape", "value", "grad", "inputs", "local"]


def render_csv(report, settings: Settings) -> str:
    """The scalar CSV's columns plus shape, written as the table writes it: (3,), () for a scalar.

    value and grad are JSON text (nested lists), inputs space-separated; local is empty, because
    an array edge's local derivative is a Jacobian, not a number a cell can hold."""
    import io

    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    for node in range(len(report.graph.ops)):
        data = report.node_json(node)
        writer.writerow([data["id"], data["name"] or "", data["op"], data["text"],
                         shape_text(data["shape"]), json.dumps(data["value"]),
                         "" if data["grad"] is None else json.dumps(data["grad"]),
                         " ".join(str(i) for i in data["inputs"]), ""])
    return out.getvalue()
