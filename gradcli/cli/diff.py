"""`gradcli diff`: the symbolic derivative of the output with respect to each input."""

from __future__ import annotations

import click

from gradcli.cli.bindings import split_program
from gradcli.cli.io import write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    ExpressionCommand,
    file_option,
    format_for,
    format_option,
    option,
    order_option,
    out_option,
    output_name_option,
)
from gradcli.compute import compute_derivatives
from gradcli.errors import InputError
from gradcli.render.diff import render


@click.command(name="diff", cls=ExpressionCommand, context_settings=CONTEXT_SETTINGS)
@click.argument("words", nargs=-1, metavar="[EXPR]")
@file_option
@option("--wrt", metavar="NAME[,NAME...]",
              help="Only these inputs or named intermediates (default: every input).")
@output_name_option
@format_option(["text", "latex"], help_="Output format (default: -o's extension, else text).")
@order_option(5, "Differentiate N times (N ≤ 5): every N-th partial over the inputs (--wrt: "
                 "over these), mixed ones included.")
@out_option()
def diff_command(words, file, wrt, output_name, format_, order, out):
    """Print ∂f/∂x as an expression for each input x, built by reverse
    accumulation over the op table's symbolic rules and simplified. The text
    parses back: gradcli can evaluate it.

    \b
    Examples:
      gradcli diff '(x+y)*z'
      gradcli diff 'relu(w*x + b)' --wrt w
      gradcli diff 'sigmoid(x) * x^2' --format latex
      gradcli diff '-cos(x)'
      gradcli diff 'x^3 * y' --order 2

    Exit status: 0 ok; 2 bad input; 3 a derivative too large to write out;
    74 the output could not be written.
    """
    format_ = format_for(out, format_, ("text", "latex"), "text", "gradcli diff")
    text, filename, tokens = split_program(file, words)
    if tokens:
        raise InputError(f"gradcli diff takes no values ({tokens[0]!r}): the derivative is "
                         "symbolic; evaluate it with gradcli itself")
    wanted = [name.strip() for name in wrt.split(",") if name.strip()] if wrt else None
    derivation = compute_derivatives(text, filename=filename, output=output_name, wrt=wanted,
                                     order=order)
    write(render(derivation, format_), out)
    return 0
