"""How a result shows itself in a notebook or on a Rich console, without the floors that hold
the data importing the renderers above them.

A Report (program floor) and the checks' results (checks floor) may not import render/, not
even lazily. So the dependency is inverted: the results ask this table for a way to show
themselves, and the render floor fills it when it is imported (gradcli/render/display.py,
which the Python API imports). Until then a result shows its plain repr: `__rich__` gives
the repr as text and the notebook forms give None, which IPython takes as "no such form".
"""

from __future__ import annotations

from typing import Callable

# (class name, form) -> function(result) giving the form: "rich" a Rich renderable, "markdown"
# and "html" text. A class without an entry uses the entry of the nearest class it derives from.
DISPLAYS: dict[tuple[str, str], Callable] = {}


def shown(result, form: str):
    """The result in this form, or None when nothing registered one."""
    for cls in type(result).__mro__:
        function = DISPLAYS.get((cls.__name__, form))
        if function is not None:
            return function(result)
    return None


class Displayable:
    """The notebook and Rich display protocols, answered through DISPLAYS."""

    __slots__ = ()

    def __rich__(self):
        renderable = shown(self, "rich")
        if renderable is None:
            from rich.text import Text

            return Text(repr(self))
        return renderable

    def _repr_markdown_(self) -> str | None:
        return shown(self, "markdown")

    def _repr_html_(self) -> str | None:
        return shown(self, "html")
