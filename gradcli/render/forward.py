"""--mode forward: the tangent columns ∂node/∂x as a table (split into several where too
many columns would not fit) and as JSON."""

from __future__ import annotations

from gradcli.engine.tangent import NOTE
from gradcli.lang.ops import CONST
from gradcli.numbers import format_number, json_number
from gradcli.program.graph import column_label
from gradcli.render.machine import dumps
from gradcli.render.rows import warning_lines


def render_json(result, settings) -> str:
    report, cols = result.report, result.columns
    graph = report.graph
    data = {"mode": "forward", "value": report.value,
            "tangents": {name: [json_number(v) for v in col[:graph.output + 1]]
                         for name, col in cols.items()},
            "gradients": {name: json_number(col[graph.output]) for name, col in cols.items()},
            "warnings": [dict(w) for w in report.warnings]}
    return dumps(data)


def render_table(result, settings) -> "ForwardTable":
    return ForwardTable(result.report, settings, result.columns)


# The node column gives way before any number is cut: from its natural width down to this.
NODE_MIN = 12
NODE_MAX = 24
GAP = 2     # spaces between columns: padding (0, 1) on each side


def column_groups(fixed: int, widths: list[int], budget: int) -> list[list[int]]:
    """Split the tangent columns into groups that each fit `budget` after `fixed` columns.

    A column too wide even alone still gets a group of its own: a number is never cut.
    """
    groups: list[list[int]] = []
    used = budget
    for k, width in enumerate(widths):
        if groups and used + GAP + width <= budget:
            groups[-1].append(k)
            used += GAP + width
        else:
            groups.append([k])
            used = fixed + GAP + width
    return groups


class ForwardTable:
    """∂node/∂x columns, one per --wrt input; too many for the width become several tables."""

    def __init__(self, report, settings, cols):
        self.report, self.settings, self.cols = report, settings, cols

    def __rich_console__(self, console, options):
        from rich import box
        from rich.table import Table
        from rich.text import Text

        report, settings = self.report, self.settings
        graph = report.graph
        precision = settings.precision
        shown = [i for i in range(graph.output + 1)
                 if settings.show_all or graph.ops[i] is not CONST]
        limit = None if settings.show_all else settings.max_rows
        hidden = 0
        if limit is not None and len(shown) > limit:
            half = limit // 2
            hidden = len(shown) - 2 * half
            shown = shown[:half] + [None] + shown[-half:]
        names = list(self.cols)
        headers = [f"∂/∂{name}" for name in names]
        rows = []
        for node in shown:
            if node is None:
                rows.append(None)
                continue
            rows.append((column_label(graph, node), graph.ops[node].name,
                         format_number(report.values[node], precision),
                         [format_number(col[node], precision) for col in self.cols.values()]))
        real = [r for r in rows if r is not None]
        node_width = min(NODE_MAX, max([4] + [len(r[0]) for r in real]))
        op_width = max([2] + [len(r[1]) for r in real])
        value_width = max([5] + [len(r[2]) for r in real])
        widths = [max([len(headers[k])] + [len(r[3][k]) for r in real])
                  for k in range(len(names))]
        budget = options.max_width
        rest = GAP + op_width + GAP + value_width
        # Shorten the node labels first; only when the columns still do not fit, split them.
        need = node_width + rest + sum(GAP + w for w in widths)
        if need > budget:
            node_width = max(min(node_width, NODE_MIN), node_width - (need - budget))
        groups = column_groups(node_width + rest, widths, budget)
        if len(groups) > 1:     # split anyway: give the labels back what the widest group spares
            widest = max(sum(GAP + widths[k] for k in group) for group in groups)
            natural = min(NODE_MAX, max([4] + [len(r[0]) for r in real]))
            node_width = max(node_width, min(natural, budget - rest - widest))

        for number, group in enumerate(groups):
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                          collapse_padding=True, header_style="bold")
            table.add_column("node", overflow="ellipsis", no_wrap=True,
                             width=node_width)
            table.add_column("op", no_wrap=True, min_width=op_width)
            table.add_column("value", justify="right", style="green", no_wrap=True,
                             min_width=value_width)
            for k in group:
                table.add_column(headers[k], justify="right", style="red", no_wrap=True,
                                 min_width=widths[k])
            for row in rows:
                if row is None:
                    table.add_row(Text(f"… {hidden:,} more", style="dim"), "", "",
                                  *["" for _ in group])
                    continue
                table.add_row(row[0], row[1], row[2], *[row[3][k] for k in group])
            if number:
                yield Text("")
            yield table
        out = report.output_name
        for name, col in self.cols.items():
            yield Text.assemble(f"∂{out}/∂{name} = ",
                                (format_number(col[graph.output], precision), "red"),
                                f" (forward mode; reverse mode gives "
                                f"{format_number(report.gradients[name], precision)})")
        if hidden:
            yield Text(f"{hidden:,} nodes not shown (--all shows every row).", style="dim")
        first = names[0]
        yield Text(f"∂/∂{first} is ∂node/∂{first}: how each node moves with the input {first}.",
                   style="dim")
        yield Text(NOTE, style="dim")
        # Kinks, ties and infinite slopes belong to the point, whichever way it is swept.
        lines = warning_lines(report)
        if lines:
            yield Text("\n".join(lines))
