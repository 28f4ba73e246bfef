"""`gradcli graph`: draw the circuit, as DOT on stdout or as a file picked by its extension."""

from __future__ import annotations

import os

import click

from gradcli.cli import emit, parse_bindings, split_program
from gradcli.errors import InputError, MissingProgram

# extension -> (renderer, Graphviz output format or None when the text is written as it is)
EXTENSIONS = {".dot": ("dot", None), ".gv": ("dot", None), ".mmd": ("mermaid", None),
              ".svg": ("dot", "svg"), ".png": ("dot", "png"), ".pdf": ("dot", "pdf")}


def run_graphviz(dot_text: str, fmt: str, out: str) -> None:
    """Lay out with Graphviz's `dot` into `out`; on any failure no partial file is left."""
    import shutil
    import subprocess
    import tempfile

    program = shutil.which("dot")
    if program is None:
        raise MissingProgram(f"writing .{fmt} needs Graphviz's 'dot' program, which is not "
                             "installed: install the graphviz package (apt-get install graphviz, "
                             "brew install graphviz), or write .dot or .mmd instead")
    directory = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(directory):
        raise InputError(f"cannot write {out}: the directory {directory} does not exist")
    fd, temporary = tempfile.mkstemp(prefix=".gradcli-", suffix="." + fmt, dir=directory)
    os.close(fd)
    try:
        result = subprocess.run([program, f"-T{fmt}", "-o", temporary], input=dot_text.encode(),
                                capture_output=True, check=False)
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            raise MissingProgram(f"Graphviz's dot failed (exit {result.returncode})"
                                 + (f": {detail[-1]}" if detail else ""))
        # mkstemp made it private (0600); the picture gets the permissions of any new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def reject_unknown_options(words, command: click.Command) -> None:
    """Unknown options reach the words (so '-x*y' can be an expression): a word that looks
    like a long option is a typo, not an expression."""
    import re

    from gradcli.graph import _did_you_mean

    known = [spelling for param in command.params if isinstance(param, click.Option)
             for spelling in param.opts]
    for word in words:
        if re.fullmatch(r"--[A-Za-z][A-Za-z-]*(=.*)?", word):
            option = word.split("=", 1)[0]
            raise InputError(f"no such option: {option}{_did_you_mean(option, known)}")


@click.command(name="graph", context_settings={"help_option_names": ["-h", "--help"], "ignore_unknown_options": True,
                                                "max_content_width": 80})
@click.argument("words", nargs=-1, metavar="[EXPR] [NAME=VALUE]...")
@click.option("-f", "--file", type=str, metavar="PATH",
              help="Read the program from a file ('-' for standard input).")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False),
              help="Write to this file; the extension picks the format: .dot, .mmd (Mermaid), "
                   ".svg, .png, .pdf (these three need Graphviz).")
@click.option("--format", "format_", type=click.Choice(["dot", "mermaid"]), default=None,
              help="Format on standard output (default dot); with -o the extension decides.")
@click.option("--output", "output_name", metavar="NAME",
              help="Differentiate this named value instead of the last statement.")
@click.option("--precision", type=click.IntRange(1, 17), default=4, show_default=True,
              help="Significant digits on the wires.")
@click.option("--max-nodes", type=click.IntRange(2, None), default=80, show_default=True,
              help="Gates drawn before the part furthest from the output is elided.")
@click.option("--all", "show_all", is_flag=True, help="Draw every node, however many.")
@click.option("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0, show_default=True,
              help="Seed for random arrays, as in the one-liner.")
@click.option("--upstream", default="ones", show_default=True, metavar="ones|randn|FILE",
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
    from gradcli.render import Settings, renderer
    from gradcli.report import compute

    reject_unknown_options(words, graph_command)
    graphviz_format = None
    name = format_ or "dot"
    if out is not None:
        extension = os.path.splitext(out)[1].lower()
        if extension not in EXTENSIONS:
            known = ", ".join(EXTENSIONS)
            raise InputError(f"-o {out}: unknown extension {extension or '(none)'!r}; "
                             f"use one of {known}")
        name, graphviz_format = EXTENSIONS[extension]
        if format_ is not None and format_ != name:
            raise InputError(f"--format {format_} does not match -o {out}")
    text, filename, tokens = split_program(file, words)
    if upstream not in ("ones", "randn"):
        from gradcli.arrays.files import read_array

        upstream = (read_array(upstream), upstream)
    report = compute(text, parse_bindings(tokens), output=output_name, filename=filename,
                     seed=seed, upstream=upstream)
    settings = Settings(precision=precision, show_all=show_all, max_nodes=max_nodes)
    render, kind = renderer(name)
    rendered = render(report, settings)
    if graphviz_format is None:
        emit(rendered, kind, out, "never")
    else:
        run_graphviz(rendered, graphviz_format, out)

