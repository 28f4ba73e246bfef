"""--why's views: the report as the table, --explain or JSON show it, then the reasons for its
zero and tiny gradients (checks/why.py), read from the finished result."""

from __future__ import annotations

from rich.text import Text

from gradcli.render import explain, table
from gradcli.render.machine import dumps
from gradcli.render.settings import Settings
from gradcli.render.style import DIM


class WhyTable:
    """The report's table, then the reasons, wrapped to the console's width."""

    def __init__(self, result, settings: Settings):
        self.result = result
        self.settings = settings
        self.table = table.render(result.report, settings)

    def min_width(self) -> int:
        return self.table.min_width()

    def __rich_console__(self, console, options):
        yield self.table
        yield Text("")
        lines = self.result.lines(self.settings.precision, width=options.max_width)
        yield Text(lines[0], style=DIM)
        for line in lines[1:]:
            yield Text(line)


def render_table(result, settings: Settings) -> WhyTable:
    return WhyTable(result, settings)


def render_explain(result, settings: Settings) -> str:
    story = explain.render(result.report, settings)
    return story + "\n" + "\n".join(result.lines(settings.precision)) + "\n"


def render_json(result, settings: Settings) -> str:
    return dumps({**result.report.to_json(), "why": result.to_json()})
