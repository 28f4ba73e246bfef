"""`gradcli graph`: draw the circuit, as DOT on stdout or as a file picked by its extension."""

from __future__ import annotations

import os

import click

from gradcli.cli.bindings import parse_bindings, split_program, upstream_value
from gradcli.cli.io import run_graphviz, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    PICTURES,
    ExpressionCommand,
    file_option,
    format_for,
    format_option,
    max_nodes_option,
    option,
    out_option,
    output_name_option,
    precision_option,
    seed_option,
)
from gradcli.compute import compute
from gradcli.errors import InputError
from gradcli.render import Settings, render

# The files graph writes: text for .dot, .gv and .mmd, a picture Graphviz draws for the rest.
# Which format each holds is the one rule of cli/options.py (format_for).
GRAPH_EXTENSIONS = (".dot", ".gv", ".mmd") + PICTURES


@click.command(name="graph", cls=ExpressionCommand, context_settings=CONTEXT_SETTINGS)
@click.argument("words", nargs=-1, metavar="[EXPR] [NAME=VALUE]...")
@file_option
@out_option("Write to this file; the extension picks the format: .dot, .mmd (Mermaid), .svg, "
            ".png, .pdf (these three need Graphviz).")
@format_option(["dot", "mermaid"], default=None,
               help_="Format on standard output (default dot); with -o the extension decides.")
@output_name_option
@precision_option("Significant digits on the wires.")
@max_nodes_option
@option("--all", "show_all", is_flag=True, help="Draw every node, however many.")
@seed_option("Seed for random arrays, as in the one-liner.")
@option("--upstream", default="ones", show_default=True, metavar="ones|randn|FILE",
              help="Upstream gradient for an array output, as in the one-liner.")
def graph_command(words, file, out, format_, output_name, precision, max_nodes, show_all, seed,
                  upstream):
    """Draw the circuit: inputs on the left, the output on the right, every wire
    with its value (green, above) and its gradient (red, below).

    \b
    Examples:
      gradcli graph '(x+y)*z' x=-2 y=5 z=-4 -o circuit.png
      gradcli graph '(x+y)*z' x=-2 y=5 z=-4 | dot -Tsvg > circuit.svg

    Exit status: 0 ok; 2 bad input; 3 the maths failed (domain error,
    overflow); 4 Graphviz's dot is needed (-o .png/.svg/.pdf) but missing.
    """
    name = format_for(out, format_, ("dot", "mermaid"), "dot", "gradcli graph")
    graphviz_format = None
    if out is not None:
        extension = os.path.splitext(out)[1].lower()
        if extension not in GRAPH_EXTENSIONS:
            raise InputError(f"-o {out}: unknown extension {extension or '(none)'!r}; "
                             f"use one of {', '.join(GRAPH_EXTENSIONS)}")
        if extension in PICTURES:
            graphviz_format = extension[1:]
    text, filename, tokens = split_program(file, words)
    report = compute(text, parse_bindings(tokens), output=output_name, filename=filename,
                     seed=seed, upstream=upstream_value(upstream))
    settings = Settings(precision=precision, show_all=show_all, max_nodes=max_nodes)
    rendered, kind = render(report, name, settings)
    if graphviz_format is None:
        write(rendered, out, kind=kind)
    else:
        run_graphviz(rendered, graphviz_format, out)
    return 0
