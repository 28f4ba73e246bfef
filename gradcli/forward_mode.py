"""Forward mode: the tangent sweep, the other half of automatic differentiation.

Seeding an input x with tangent 1 and pushing tangents front to back
(ṅode = Σ local × ṫhe argument's tangent) gives ∂node/∂x for every node in one
sweep. Reverse mode gives ∂f/∂node for every node in one sweep instead. So
forward mode costs one sweep per input and reverse mode one per output: forward
is cheaper with few inputs and many outputs, reverse (backpropagation) with
many inputs and one output, as in training a network.
"""

from __future__ import annotations

from array import array

from gradcli.errors import InputError

NOTE = "Forward mode: one sweep per input (cheaper with few inputs); reverse: one per output."


def tangents(graph, values, seed: int) -> array:
    """∂node/∂(node `seed`) for every node, front to back, from the op table's partials."""
    n = len(graph.ops)
    dot = array("d", bytes(8 * n))
    dot[seed] = 1.0
    ops, starts, ids = graph.ops, graph.arg_start, graph.arg_ids
    for i in range(seed + 1, n):
        s, e = starts[i], starts[i + 1]
        if s == e:
            continue
        args = ids[s:e]
        moving = [k for k in range(e - s) if dot[args[k]]]
        if not moving:
            continue
        partials = ops[i].partials(values[i], *[values[j] for j in args])
        # A zero tangent contributes nothing, even where the partial is infinite (as in reverse).
        dot[i] = sum(partials[k] * dot[args[k]] for k in moving)
    return dot


def columns(report, names) -> dict[str, array]:
    graph = report.graph
    out = {}
    for name in names:
        node = graph.inputs.get(name)
        if node is None:
            known = ", ".join(graph.inputs) or "none"
            raise InputError(f"--mode forward --wrt {name}: forward mode seeds an input, and "
                             f"{name!r} is not one (the inputs are: {known})")
        out[name] = tangents(graph, report.values, node)
    return out


def render_forward(report, settings, format_: str):
    """(rendered, kind) for --mode forward: a table or JSON of ∂node/∂x columns."""
    from gradcli.scalar_only import refuse_arrays, uses_arrays

    if uses_arrays(report):     # the op table declares VJPs for arrays, not JVPs
        raise refuse_arrays("--mode forward", report)
    if not settings.wrt:
        raise InputError("--mode forward needs --wrt NAME: the input whose tangent is pushed "
                         "forward (e.g. --mode forward --wrt x)")
    if format_ not in ("table", "json"):
        raise InputError(f"--mode forward writes a table or JSON, not {format_}")
    cols = columns(report, settings.wrt)
    graph = report.graph
    if format_ == "json":
        import json

        from gradcli.render.machine import finite_or_string

        data = {"mode": "forward", "value": report.value,
                "tangents": {name: [finite_or_string(v) for v in col[:graph.output + 1]]
                             for name, col in cols.items()},
                "gradients": {name: finite_or_string(col[graph.output])
                              for name, col in cols.items()}}
        return json.dumps(data) + "\n", "text"
    return ForwardTable(report, settings, cols), "renderable"


class ForwardTable:
    def __init__(self, report, settings, cols):
        self.report, self.settings, self.cols = report, settings, cols

    def __rich_console__(self, console, options):
        from rich import box
        from rich.table import Table
        from rich.text import Text

        from gradcli.render import format_number
        from gradcli.render.rows import make_row

        report, settings = self.report, self.settings
        graph = report.graph
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                      collapse_padding=True, header_style="bold")
        table.add_column("node", overflow="ellipsis", no_wrap=True, max_width=24)
        table.add_column("op", no_wrap=True)
        table.add_column("value", justify="right", style="green", no_wrap=True)
        for name in self.cols:
            table.add_column(f"∂node/∂{name}", justify="right", style="red", no_wrap=True)
        shown = [i for i in range(graph.output + 1)
                 if settings.show_all or graph.ops[i].name != "const"]
        limit = None if settings.show_all else settings.max_rows
        if limit is not None and len(shown) > limit:
            half = limit // 2
            shown = shown[:half] + [None] + shown[-half:]
        precision = settings.precision
        for node in shown:
            if node is None:
                table.add_row(Text("… (--all shows every row)", style="dim"), "", "",
                              *["" for _ in self.cols])
                continue
            row = make_row(report, node)
            table.add_row(row.node, row.op, format_number(report.values[node], precision),
                          *[format_number(col[node], precision) for col in self.cols.values()])
        yield table
        out = report.output_name
        for name, col in self.cols.items():
            yield Text.assemble(f"∂{out}/∂{name} = ",
                                (format_number(col[graph.output], precision), "red"),
                                f" (forward mode; reverse mode gives "
                                f"{format_number(report.gradients[name], precision)})")
        yield Text(NOTE, style="dim")
