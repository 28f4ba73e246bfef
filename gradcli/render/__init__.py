"""The renderer registry: one entry per --format, each a function of a finished Report.

Renderers never evaluate anything. Entries name their module so that a run
imports only the renderer it uses (JSON output never imports Rich).
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    precision: int = 4              # significant digits in human formats
    wrt: tuple[str, ...] | None = None
    show_all: bool = False          # every row, constants included
    max_rows: int = 60              # rows before a table is cut (show_all lifts it)
    max_nodes: int = 80             # gates drawn in a picture before the rest is elided


# name -> ("module:function", what it makes). A function returns a str, or for
# "renderable" a Rich renderable the CLI prints on its Console.
RENDERERS: dict[str, tuple[str, str]] = {
    "table": ("gradcli.render.table:render", "renderable"),
    "json": ("gradcli.render.machine:render_json", "text"),
    "csv": ("gradcli.render.machine:render_csv", "text"),
    "markdown": ("gradcli.render.markdown:render", "text"),
    "dot": ("gradcli.render.dot:render", "text"),
    "mermaid": ("gradcli.render.mermaid:render", "text"),
    "tree": ("gradcli.render.tree:render", "renderable"),
    "explain": ("gradcli.render.explain:render", "text"),
    "python": ("gradcli.render.python_code:render", "text"),
    "latex": ("gradcli.render.latex:render", "text"),
}


def renderer(name: str):
    target, kind = RENDERERS[name]
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function), kind


def format_number(value: float | None, precision: int = 6) -> str:
    """A number for people: `precision` significant digits; inf and NaN spelt out."""
    if value is None:
        return "—"
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value + 0.0:.{precision}g}"      # + 0.0 turns -0.0 into 0


def wrt_names(report, settings: Settings) -> list[str]:
    """Which gradients the summary lists: --wrt's names (inputs or named intermediates), or every input."""
    if settings.wrt is None:
        return list(report.gradients)
    return list(settings.wrt)
