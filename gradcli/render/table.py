"""The default view: a Rich table of every node, values in green and gradients in red.

Colours follow the note's circuit figures. Styles live here, never in the
report; the Console is the caller's, so tests print at a fixed width with no
colour.
"""

from __future__ import annotations

import math

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from gradcli.render import Settings, wrt_names
from gradcli.render.rows import Gap, number, rows, summary_lines, warning_lines

VALUE = "green"
GRAD = "red"
DIM = "dim"
WARN = "bold yellow"


class ReportTable:
    def __init__(self, report, settings: Settings):
        self.report = report
        self.settings = settings

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        report, settings = self.report, self.settings
        out = report.output_name
        shown, hidden = rows(report, settings)
        cells = []
        for row in shown:
            if isinstance(row, Gap):
                cells.append((Text(f"… {row.hidden:,} nodes not shown (--all shows every row)",
                                   style=DIM), "", "", "", "", ""))
                continue
            flag = "!" if row.flagged else ""   # a warning concerns the node's derivatives
            node = Text(row.node, style="bold" if row.op != "input" and row.node[:1] != "#"
                        else "")
            # One line per input edge, so a wrapped rule never misaligns its downstream number.
            edges = [(f"∂/∂{e.target} = " + (f"{e.rule} = " if e.rule else "")
                      + number(e.local, settings) + ("!" if not math.isfinite(e.local) else ""),
                      number(e.downstream, settings))
                     for e in row.edges] or [("", "")]
            grad = number(row.grad, settings) + (flag if row.grad is not None else "")
            cells.append((node, row.op, number(row.value, settings), grad, *edges[0]))
            for local, down in edges[1:]:
                cells.append(("", "", "", "", local, down))
            for source, amount in row.contributions:
                cells.append((Text(f"  ← from {source}", style=DIM), "", "",
                              Text(number(amount, settings), style=f"{GRAD} {DIM}"), "", ""))

        def widest(column: int, header: str) -> int:
            return max([len(header)] + [len(line) for cell in cells
                                        for line in str(cells and cell[column]).split("\n")])

        headers = ("node", "op", "value", f"∂{out}/∂node" if len(out) <= 8 else "upstream",
                   "local", "downstream")
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                      collapse_padding=True, header_style="bold")
        # Numbers never shrink; the node column is cut with '…', the local rules wrap last.
        table.add_column(headers[0], overflow="ellipsis", no_wrap=True, max_width=18)
        table.add_column(headers[1], no_wrap=True, min_width=widest(1, headers[1]))
        table.add_column(headers[2], justify="right", style=VALUE, no_wrap=True,
                         min_width=widest(2, headers[2]))
        table.add_column(headers[3], justify="right", style=GRAD, no_wrap=True,
                         min_width=widest(3, headers[3]))
        table.add_column(headers[4], overflow="fold")
        table.add_column(headers[5], justify="right", style=GRAD, no_wrap=True,
                         min_width=widest(5, headers[5]))
        for cell in cells:
            table.add_row(*cell)
        yield table

        items = []
        for text, kind, value in summary_lines(report, settings, wrt_names(report, settings)):
            style = VALUE if kind == "value" else GRAD
            flag = "" if math.isfinite(value) else "!"
            items.append(Text.assemble(f"{text} = ", (number(value, settings) + flag, style)))
        yield items[0]
        # Gradients side by side, breaking lines only between them.
        line = Text("")
        for item in items[1:]:
            if line and len(line) + 3 + len(item) > options.max_width:
                yield line
                line = Text("")
            line = Text("   ").join([line, item]) if line else item
        if line:
            yield line

        notes = [f"local = ∂node/∂input; downstream = ∂{out}/∂node × local, sent to that input."]
        if any(row.contributions for row in shown if not isinstance(row, Gap)):
            notes.append("← from: a value used more than once gets a gradient from each use; "
                         "they add up at the fork.")
        if hidden:
            notes.append(f"{hidden} constant node{'s' if hidden != 1 else ''} not shown "
                         "(--all shows them).")
        notes.extend(warning_lines(report))
        if notes:
            yield Text("\n".join(notes), style=DIM if not report.warnings else "")


def render(report, settings: Settings) -> ReportTable:
    if getattr(report, "arrays", False):
        from gradcli.render.arrays import render_table
        return render_table(report, settings)
    return ReportTable(report, settings)
