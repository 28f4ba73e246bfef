"""The default view: a Rich table of every node, values in green and gradients in red.

Colours follow the note's circuit figures. Styles live here, never in the
report; the Console is the caller's, so tests print at a fixed width with no
colour.
"""

from __future__ import annotations

import math

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from gradcli.render.rows import Gap, number, rows, summary_lines, warning_lines
from gradcli.render.settings import Settings, wrt_names
from gradcli.render.style import DIM, GRAD, VALUE


class ReportTable:
    def __init__(self, report, settings: Settings):
        self.report = report
        self.settings = settings
        self._made = None

    def _cells(self):
        """The table's cells, a row of six per line, and the rows they came from (made once:
        both the CLI's width check and the rendering read them)."""
        if self._made is None:
            self._made = self._make_cells()
        return self._made

    def _make_cells(self):
        report, settings = self.report, self.settings
        shown, hidden = rows(report, settings)
        cells = []
        for row in shown:
            if isinstance(row, Gap):
                # Short enough for the node column; the notes below say how to see them.
                cells.append((Text(f"… {row.hidden:,} nodes", style=DIM), "", "", "", "", ""))
                continue
            # A '!' marks the number a warning is about: the local partial at a kink or tie
            # (or an infinite one), and a gradient that is not finite.
            at_kink = bool(row.flags & {"kink", "tie"})
            node = Text(row.node, style="bold" if not row.is_input and row.node[:1] != "#"
                        else "")
            # One line per input edge, so a wrapped rule never misaligns its downstream number.
            # The rule is kept apart for now: it is dropped below where the line would wrap.
            edges = [((f"∂/∂{e.target} = ", f"{e.rule} = " if e.rule else "",
                       number(e.local, settings)
                       + ("!" if at_kink or not math.isfinite(e.local) else "")),
                      number(e.downstream, settings))
                     for e in row.edges] or [("", "")]
            grad = number(row.grad, settings)
            if row.grad is not None and not math.isfinite(row.grad):
                grad += "!"
            cells.append((node, row.op, number(row.value, settings), grad, *edges[0]))
            for local, down in edges[1:]:
                cells.append(("", "", "", "", local, down))
            for source, amount in row.contributions:
                cells.append((Text(f"  ← {source}", style=DIM), "", "",
                              Text(number(amount, settings), style=f"{GRAD} {DIM}"), "", ""))
        return cells, shown, hidden

    def table_width(self) -> int:
        """The narrowest console the table fits with every number whole."""
        cells, _, _ = self._cells()
        out = self.report.output_name
        headers = _headers(out)
        numbers = sum(_widest(cells, k, headers[k]) for k in (1, 2, 3, 5))
        return 8 + numbers + 12 + 11

    def min_width(self) -> int:
        """The narrowest console that shows every number whole: the CLI widens to it, since a
        cut number (2.537 for 2.537e+199) would be worse than a line that wraps. Narrower
        than the table, the nodes are stacked, which needs room for one number a line."""
        cells, _, _ = self._cells()
        return min(self.table_width(), STACK_INDENT + 2 + max(
            len(f"{self.report.output_name}/∂node") + 1 + _widest(cells, 3, ""),
            _widest(cells, 2, "") + len("value "),
            max([len(_local_text(c[4], 0)) for c in cells] + [0]) + _widest(cells, 5, "") + 4))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width < self.table_width():
            yield from self._stacked(options)
        else:
            yield from self._table(console, options)
        yield from self._summary(options)

    def _stacked(self, options: ConsoleOptions) -> RenderResult:
        """One block per node, for a window narrower than the table: its label and op, its
        value and gradient, then each input edge (local partial → downstream) and fork."""
        report, settings = self.report, self.settings
        shown, _ = rows(report, settings)
        grad_label = f"∂{report.output_name}/∂node"
        indent = " " * STACK_INDENT
        for row in shown:
            if isinstance(row, Gap):
                yield Text(f"… {row.hidden:,} nodes", style=DIM)
                continue
            at_kink = bool(row.flags & {"kink", "tie"})
            yield Text.assemble((row.node, "bold" if not row.is_input else ""), "  ",
                                (row.op, DIM))
            line = Text.assemble(indent, "value ", (number(row.value, settings), VALUE))
            if row.grad is not None:
                flag = "" if math.isfinite(row.grad) else "!"
                line.append_text(Text.assemble("  ", grad_label, " ",
                                               (number(row.grad, settings) + flag, GRAD)))
            yield line
            for edge in row.edges:
                flag = "!" if at_kink or not math.isfinite(edge.local) else ""
                rule = f"{edge.rule} = " if edge.rule else ""
                yield Text.assemble(indent, f"∂/∂{edge.target} = {rule}",
                                    number(edge.local, settings) + flag, " → ",
                                    (number(edge.downstream, settings), GRAD))
            for source, amount in row.contributions:
                yield Text.assemble(indent, (f"← {source} ", DIM),
                                    (number(amount, settings), f"{GRAD} {DIM}"))

    def _table(self, console: Console, options: ConsoleOptions) -> RenderResult:
        report = self.report
        out = report.output_name
        cells, shown, hidden = self._cells()

        def widest(column: int, header: str) -> int:
            return _widest(cells, column, header)

        headers = _headers(out)
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                      collapse_padding=True, header_style="bold")
        # Numbers never shrink; the node column is cut with '…', the local rules wrap last.
        # On a narrow terminal the node labels give way first (cut with '…'), numbers never.
        numbers = sum(widest(k, headers[k]) for k in (1, 2, 3, 5))
        node_width = max(8, min(16, options.max_width - numbers - 12 - 11))
        table.add_column(headers[0], overflow="ellipsis", no_wrap=True, max_width=node_width)
        table.add_column(headers[1], no_wrap=True, min_width=widest(1, headers[1]))
        table.add_column(headers[2], justify="right", style=VALUE, no_wrap=True,
                         min_width=widest(2, headers[2]))
        table.add_column(headers[3], justify="right", style=GRAD, no_wrap=True,
                         min_width=widest(3, headers[3]))
        # The local column keeps room for a readable line; the node column gives way first.
        longest_local = max([len(_local_text(cell[4], 10 ** 6)) for cell in cells] + [5])
        others = node_width + sum(widest(k, headers[k]) for k in (1, 2, 3, 5)) + 6 + 5
        table.add_column(headers[4], overflow="fold",
                         min_width=min(longest_local, max(8, options.max_width - others)))
        table.add_column(headers[5], justify="right", style=GRAD, no_wrap=True,
                         min_width=widest(5, headers[5]))
        # A rule that would make its line wrap is left out; the number stays.
        room = _local_width(table, [cell[:4] + (_local_text(cell[4], 10 ** 6),) + cell[5:]
                                    for cell in cells], console, options)
        for cell in cells:
            table.add_row(*cell[:4], _local_text(cell[4], room), *cell[5:])
        yield table

    def _summary(self, options: ConsoleOptions) -> RenderResult:
        """The output's value and gradients, and the notes, under either layout."""
        report, settings = self.report, self.settings
        out = report.output_name
        _, shown, hidden = self._cells()
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

        stacked = options.max_width < self.table_width()
        notes = [f"local = ∂node/∂input; downstream = ∂{out}/∂node × local, sent to that input."
                 if not stacked else
                 f"∂/∂input = local → downstream = ∂{out}/∂node × local."]
        if any(row.contributions for row in shown if not isinstance(row, Gap)):
            notes.append("←: each use of a value sends back a gradient; at a fork they add up.")
        gaps = [row.hidden for row in shown if isinstance(row, Gap)]
        if gaps:
            notes.append(f"… {gaps[0]:,} nodes in the middle are not shown (--all shows every row).")
        if hidden:
            notes.append(f"{hidden} constant node{'s' if hidden != 1 else ''} not shown "
                         "(--all shows them).")
        notes.extend(warning_lines(report))
        if notes:
            yield Text("\n".join(notes), style=DIM if not report.warnings else "")


STACK_INDENT = 2


def _local_width(table: Table, cells, console: Console, options: ConsoleOptions) -> int:
    """How wide Rich will make the local column for these cells at this console width."""
    trial = table.copy() if hasattr(table, "copy") else None
    if trial is None:
        import copy

        trial = copy.deepcopy(table)
    for cell in cells:
        trial.add_row(*cell)
    try:
        # (Rich's own layout, private helpers stable for years: the width each column gets
        # once the separators are taken off, less the cell's padding.)
        inner = options.update_width(options.max_width - trial._extra_width)
        return trial._calculate_column_widths(console, inner)[4] - 1
    except Exception:
        return 10 ** 6


def _headers(out: str) -> tuple:
    return ("node", "op", "value", f"∂{out}/∂node" if len(out) <= 8 else "upstream", "local",
            "downstream")


def _widest(cells, column: int, header: str) -> int:
    return max([len(header)] + [len(line) for cell in cells
                                for line in str(cell[column]).split("\n")])


def _local_text(parts, room: int) -> str:
    if isinstance(parts, str):
        return parts
    head, rule, value = parts
    whole = head + rule + value
    return whole if len(whole) <= room or not rule else head + value


def render(report, settings: Settings) -> ReportTable:
    return ReportTable(report, settings)
