"""`gradcli verify FILE`: check a hand-written backward pass against the true gradients."""

from __future__ import annotations

import sys

import click


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80})
@click.argument("file", metavar="FILE")
@click.argument("bindings", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--format", "format_", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table for people, json for scripts.")
@click.option("--show-values", is_flag=True,
              help="Also show each gradient's value and the true one (reveals the answers).")
@click.option("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0, show_default=True,
              help="Seed for random arrays (np.random.randn), drawn in statement order, the "
                   "backward pass's included: the same arrays as np.random.seed(N) in Python.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; only set the exit status.")
def verify_command(file, bindings, format_, show_values, seed, quiet):
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
    import json

    from gradcli.cli import parse_bindings, read_program
    from gradcli.backward import verify

    text, name = read_program(file)
    result = verify(text, parse_bindings(bindings), filename=name, seed=seed)
    if not quiet:
        if format_ == "json":
            sys.stdout.write(json.dumps(result.to_json(show_values), ensure_ascii=False,
                                        allow_nan=False) + "\n")
        else:
            sys.stdout.write(result.render(show_values))
        sys.stdout.flush()
    return 0 if result.ok else 1
