"""What a person asked to see: digits, which gradients, how many rows and gates."""

from __future__ import annotations

from gradcli.defaults import MAX_NODES, MAX_ROWS, PRECISION


class Settings:
    """Immutable once made (a plain class: a dataclass costs a one-liner's start-up time)."""

    __slots__ = ("precision", "wrt", "show_all", "max_rows", "max_nodes")

    def __init__(self, precision: int = PRECISION, wrt: tuple[str, ...] | None = None,
                 show_all: bool = False, max_rows: int = MAX_ROWS, max_nodes: int = MAX_NODES):
        set_ = object.__setattr__
        set_(self, "precision", precision)      # significant digits in human formats
        set_(self, "wrt", wrt)
        set_(self, "show_all", show_all)        # every row, constants included
        set_(self, "max_rows", max_rows)        # rows before a table is cut (show_all lifts it)
        set_(self, "max_nodes", max_nodes)      # gates drawn before the rest is elided

    def __setattr__(self, name, value):
        raise AttributeError("Settings are immutable")

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Settings({fields})"


def wrt_names(report, settings: Settings) -> list[str]:
    """Which gradients the summary lists: --wrt's names (inputs or named intermediates), or every input."""
    if settings.wrt is None:
        return list(report.gradients)
    return list(settings.wrt)
