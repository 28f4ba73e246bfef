"""The colours of every human view, as the note's circuit figures draw them: values green,
gradients red. Styles live here, never in a report."""

VALUE = "green"
GRAD = "red"
DIM = "dim"
WARN = "bold yellow"

# The same two colours where a view names them itself (DOT, SVG, HTML).
VALUE_COLOR = "#1a7f37"
GRAD_COLOR = "#cf222e"
