"""`gradcli plot`: f and ∂f/∂x (and ∂²f/∂x²) over a range of one input, in the terminal, as
SVG or PNG, or as JSON samples."""

from __future__ import annotations

import math
import os

import click

from gradcli.cli.bindings import parse_bindings, split_program
from gradcli.cli.io import run_rsvg, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    ExpressionCommand,
    color_option,
    file_option,
    option,
    out_option,
    output_name_option,
)
from gradcli.compute import compute_plot, parse_binding_value
from gradcli.errors import GradcliError, InputError
from gradcli.render import render

# What -o's extension asks for (a PNG is the SVG, converted).
EXTENSIONS = {".svg": "svg", ".png": "svg", ".json": "json", ".txt": "text"}
MAX_POINTS = 100_000


def parse_range(text: str) -> tuple[str, float, float]:
    """--wrt x=-3:3 -> ("x", -3.0, 3.0); the ends may be constant expressions (-pi:pi)."""
    name, equals, rest = text.partition("=")
    name = name.strip()
    ends = rest.split(":")
    if not equals or not name.isidentifier() or len(ends) != 2:
        raise InputError(f"--wrt {text}: write the plotted input and its range as NAME=LO:HI, "
                         "like --wrt x=-3:3")
    try:
        lo, hi = (parse_binding_value(end.strip()) for end in ends)
    except GradcliError as error:
        error.message = f"--wrt {text}: {error.message}"
        raise
    if not (isinstance(lo, float) and isinstance(hi, float)) or not lo < hi:
        raise InputError(f"--wrt {text}: the range needs two numbers, the first smaller, like "
                         "--wrt x=-3:3")
    return name, lo, hi


def parse_at(text: str, name: str) -> float:
    """--at x=1 (or --at 1): where the tangent line touches."""
    given, equals, value = text.rpartition("=")
    if equals and given.strip() != name:
        raise InputError(f"--at {text}: the tangent point is a value of the plotted input "
                         f"{name}, like --at {name}=1")
    try:
        at = parse_binding_value(value.strip())
    except GradcliError as error:
        error.message = f"--at {text}: {error.message}"
        raise
    if not isinstance(at, float) or not math.isfinite(at):
        raise InputError(f"--at {text}: the tangent point must be a number")
    return at


@click.command(name="plot", cls=ExpressionCommand, context_settings=CONTEXT_SETTINGS)
@click.argument("words", nargs=-1, metavar="[EXPR] [NAME=VALUE]...")
@file_option
@option("--wrt", "wrt", required=True, metavar="NAME=LO:HI", allow_from_autoenv=False,
        help="The input along the x axis and its range, e.g. x=-3:3.")
@option("--at", "at", metavar="NAME=VALUE", allow_from_autoenv=False,
        help="Draw the tangent line touching f here, e.g. x=1.")
@option("--second", is_flag=True, help="Add a panel for the second derivative ∂²f/∂x².")
@option("--points", type=click.IntRange(2, MAX_POINTS), default=None, metavar="N",
        help="Samples over the range (default: 2 per column of the terminal plot, 400 for SVG).")
@output_name_option
@option("--format", "format_", type=click.Choice(["text", "svg", "json"]), default=None,
        help="text (the terminal plot), svg, or json samples (default: from -o's extension, "
             "else text).")
@out_option("Write the plot to this file: .svg, .png (drawn from the SVG by rsvg-convert), "
            ".json or .txt.")
@color_option
def plot_command(words, file, wrt, at, second, points, output_name, format_, out, color):
    """Draw f and ∂f/∂x over a range of one input, the other inputs held at
    their values: in the terminal with braille dots as wide as the window,
    or as SVG or PNG with -o. Kinks and points where the derivative does not
    exist are marked (×) and listed; --at draws the tangent line there.

    \b
    Examples:
      gradcli plot 'relu(x)' --wrt x=-3:3
      gradcli plot 'sigmoid(w*x)' --wrt x=-6:6 w=2 --at x=1
      gradcli plot 'x^3 - 2*x' --wrt x=-2:2 --second -o cubic.svg

    Exit status: 0 ok; 2 bad input; 3 the maths failed at the tangent point;
    4 rsvg-convert is missing (for .png); 74 the output could not be written.
    """
    name, lo, hi = parse_range(wrt)
    picture = None
    if out is not None:
        extension = os.path.splitext(out)[1].lower()
        wanted = EXTENSIONS.get(extension)
        if wanted is None:
            raise InputError(f"-o {out}: gradcli plot writes .svg, .png, .json or .txt files")
        if format_ is not None and format_ != wanted:
            raise InputError(f"-o {out}: a {extension} file needs --format {wanted}, not "
                             f"--format {format_}")
        format_ = wanted
        picture = extension[1:] if extension == ".png" else None
    format_ = format_ or "text"
    text, filename, tokens = split_program(file, words)
    bindings = parse_bindings(tokens)
    tangent = parse_at(at, name) if at is not None else None
    if points is None:
        points = 400 if format_ != "text" else _terminal_points()
    result = compute_plot(text, bindings, name, lo, hi, count=points, at=tangent,
                          second=second, output=output_name, filename=filename)
    rendered, kind = render(result, format_)
    if picture is not None:
        run_rsvg(rendered, picture, out)
        return 0
    write(rendered, out, kind=kind, color=color)
    return 0


def _terminal_points() -> int:
    """Two samples per braille column of the widest plot the window holds."""
    import shutil

    columns = shutil.get_terminal_size((80, 24)).columns
    return max(40, 2 * columns)
