"""`gradcli verify FILE`: check a hand-written backward pass against the true gradients."""

from __future__ import annotations

import click

from gradcli.checks.verify import verify
from gradcli.cli.bindings import parse_bindings
from gradcli.cli.io import read_program, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    Command,
    format_option,
    option,
    out_option,
    quiet_option,
    seed_option,
)
from gradcli.render.machine import dumps


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("file", metavar="FILE")
@click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")
@format_option(["table", "json"], help_="table for people, json for scripts.")
@option("--show-values", is_flag=True,
              help="Also show each gradient's value and the true one (reveals the answers).")
@seed_option("Seed for random arrays (np.random.randn), drawn in statement order, the backward "
             "pass's included: the same arrays as np.random.seed(N) in Python.")
@quiet_option
@out_option()
def verify_command(file, bindings, format_, show_values, seed, quiet, out):
    """Check the backward pass in FILE ('-' for standard input), line by line.

    FILE holds a forward pass and then a backward pass in the style of the
    CS231n note: the backward part starts at the first assignment to a
    gradient name (dx, or dfdx for an output f) or the first '+='. Every
    gradient is compared with the truth; a mismatch is reported at the line
    that went wrong, with the reason, without revealing the true values.

    Blocks with arrays (the note's neuron and matrix-multiply code) are checked
    too: random arrays come from one generator seeded with --seed, the backward
    lines' draws included, and for an array output the line that sets its
    gradient (dD = np.random.randn(*D.shape)) is the upstream gradient.

    Exit status: 0 every gradient matches; 1 a line is wrong; 2 bad input;
    3 the forward pass's maths failed (domain error, overflow).
    """
    text, name = read_program(file)
    result = verify(text, parse_bindings(bindings), filename=name, seed=seed)
    if not quiet:
        if format_ == "json":
            write(dumps(result.to_json(show_values)), out)
        else:
            write(result.render(show_values), out)
    return 0 if result.ok else 1
