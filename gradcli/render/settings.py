"""What a person asked to see: digits, which gradients, how many rows and gates."""

from __future__ import annotations

from dataclasses import dataclass

from gradcli.defaults import MAX_NODES, MAX_ROWS, PRECISION


@dataclass(frozen=True)
class Settings:
    precision: int = PRECISION      # significant digits in human formats
    wrt: tuple[str, ...] | None = None
    show_all: bool = False          # every row, constants included
    max_rows: int = MAX_ROWS        # rows before a table is cut (show_all lifts it)
    max_nodes: int = MAX_NODES      # gates drawn in a picture before the rest is elided


def wrt_names(report, settings: Settings) -> list[str]:
    """Which gradients the summary lists: --wrt's names (inputs or named intermediates), or every input."""
    if settings.wrt is None:
        return list(report.gradients)
    return list(settings.wrt)
