"""The colours of every human view, as the note's circuit figures draw them: values green,
gradients red. Styles live here, never in a report."""

VALUE = "green"
GRAD = "red"
DIM = "dim"
WARN = "bold yellow"

# The same two colours where a view names them itself (DOT, SVG, HTML).
VALUE_COLOR = "#1a7f37"
GRAD_COLOR = "#cf222e"

PASS = "green"
FAIL = "red"
ERROR = "bold red"


class Styled(list):
    """Text as (piece, style) segments: the CLI prints it coloured on a terminal and plain
    everywhere else (cli/io.write, kind "styled"), so a renderer never decides which."""

    def add(self, text: str, style: str | None = None) -> "Styled":
        if text:
            self.append((text, style))
        return self

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self)
