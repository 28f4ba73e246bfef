"""The expression as a Rich tree: each node with its value and gradient, for a quick look."""

from __future__ import annotations

from gradcli.lang.ops import CONST, INPUT
from gradcli.numbers import number_label
from gradcli.program.graph import node_text
from gradcli.render.settings import Settings


class ReportTree:
    def __init__(self, report, settings: Settings):
        self.report = report
        self.settings = settings

    def __rich_console__(self, console, options):
        from rich.text import Text
        from rich.tree import Tree

        report, settings = self.report, self.settings
        graph = report.graph
        limit = None if settings.show_all else settings.max_rows
        precision = settings.precision

        def face(node: int, shared: bool) -> Text:
            op = graph.ops[node]
            name = graph.names[node]
            text = node_text(graph, node, limit=36)
            if op is not INPUT and (name is not None or node == graph.output):
                text = f"{name or report.output_name} = {text}"
            parts = [(text, "bold" if op is not CONST else ""), "  ", (op.name, "dim"),
                     "  value ", (number_label(report.values[node], precision), "green")]
            if graph.requires_grad[node]:
                parts += ["  grad ", (number_label(report.grads[node], precision), "red")]
            if shared:
                parts.append(("  (shared: its inputs are shown above)", "dim"))
            # One line per node, however deep: a long line is cut, never wrapped under the guides.
            return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")

        root = Tree(face(graph.output, False), guide_style="dim")
        seen = {graph.output}
        shown_leaves: set[int] = set()
        shown = 1
        hidden = 0
        # Depth first, children in argument order, with an explicit stack.
        stack = [(a, root) for a in reversed(graph.args(graph.output))]
        while stack:
            node, parent = stack.pop()
            if limit is not None and shown >= limit:
                hidden += 1
                continue
            shown += 1
            shared = node in seen and len(graph.args(node)) > 0
            branch = parent.add(face(node, shared))
            if not graph.args(node):
                shown_leaves.add(node)
            if not shared:
                seen.add(node)
                stack.extend((a, branch) for a in reversed(graph.args(node)))
        yield root
        if hidden:
            missing = graph.output + 1 - len(seen | shown_leaves)
            yield Text(f"… {max(missing, hidden):,} more nodes not shown (--all shows every node)",
                       style="dim")
        yield Text(f"grad = ∂{report.output_name}/∂node", style="dim")


def render(report, settings: Settings) -> ReportTree:
    return ReportTree(report, settings)
