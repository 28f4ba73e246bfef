"""The default command: `gradcli EXPR [NAME=VALUE ...]`, what runs when the first word is no
command's name."""

from __future__ import annotations

import inspect
import os

import click

from gradcli.cli.bindings import binding_texts, parse_bindings, split_program, upstream_value
from gradcli.cli.commands import close_command
from gradcli.cli.io import run_graphviz, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    ExpressionCommand,
    all_option,
    checks_options,
    color_option,
    file_option,
    format_option,
    option,
    out_option,
    output_name_option,
    precision_option,
    seed_option,
    upstream_option,
)
from gradcli.compute import compute, compute_exact, compute_tangents
from gradcli.errors import InputError
from gradcli.lazy import load
from gradcli.memory import paused_gc
from gradcli.render import FORMATS, Settings, render, require

CONVENTIONS = """\b
Conventions where a derivative does not exist:
  relu'(0) = 0, abs'(0) = 0; at a tie in max/min the whole gradient goes to
  the first tied argument (so max(x, 0) at x = 0 sends 1 to x while
  relu'(0) = 0). Kinks, ties and infinite derivatives are flagged as warnings.
\b
Exit status: 0 ok; 1 a check failed; 2 bad input; 3 the maths failed
(domain error, overflow); 4 a missing external program; 70 internal error;
74 the output could not be written; 130 interrupted."""

EXAMPLES = """\b
Examples:
  gradcli '(x+y)*z' x=-2 y=5 z=-4
  gradcli '1/(1+exp(-(w0*x0+w1*x1+w2)))' w0=2 w1=-3 w2=-3 x0=-1 x1=-2
  gradcli -f staged.py --format json
  cat staged.py | gradcli x=2
  gradcli -- -q*x q=2 x=3"""

# --expect, --gradcheck and --at-file, loaded only when one of them is given.
CHECKING = "gradcli.cli.checking:run_with_checks"

# What a file name's extension promises; -o refuses a --format that would break the promise.
EXTENSION_FORMATS = {".svg": "dot", ".png": "dot", ".pdf": "dot", ".dot": "dot", ".gv": "dot",
                     ".mmd": "mermaid", ".json": "json", ".csv": "csv", ".md": "markdown",
                     ".tex": "latex", ".py": "python"}
PICTURES = (".svg", ".png", ".pdf")


class OneLinerContext(click.Context):
    """The default command speaks as `gradcli` itself in usage lines and messages."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else "gradcli"


@click.command(name="gradcli", cls=ExpressionCommand, epilog=EXAMPLES,
               context_settings={**CONTEXT_SETTINGS, "auto_envvar_prefix": "GRADCLI"})
@click.argument("words", nargs=-1, metavar="[EXPR] [NAME=VALUE]...")
@file_option
@format_option(FORMATS)
@option("--wrt", metavar="NAME[,NAME...]",
              help="List only these gradients under the table (JSON always has every input).")
@output_name_option
@all_option
@option("--at-file", metavar="POINTS.csv", allow_from_autoenv=False,
              help="Evaluate at every row of a CSV whose header names inputs (one record per row).")
@checks_options
@option("-q", "--quiet", is_flag=True,
              help="With --expect/--gradcheck/--at-file: print nothing, only set the exit status.")
@seed_option()
@upstream_option
@option("--explain", is_flag=True,
              help="Narrate the backward pass step by step, in plain words.")
@option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse",
              show_default=True,
              help="forward: a tangent sweep giving ∂node/∂x for every node (needs --wrt x).")
@option("--exact", is_flag=True,
              help="Rational arithmetic where the expression allows it (fractions, exactly).")
@precision_option()
@out_option()
@color_option
def one_liner(words, file, format_, wrt, output_name, show_all, at_file, expect, rtol, atol,
              hide_answers, gradcheck, step, sample_seed, quiet, seed, upstream, explain, mode,
              exact, precision, out, color):
    """Show every node's value, local gradients, upstream gradient and what it
    sends downstream, for an expression or a staged program.

    EXPR may be a whole program (statements separated by newlines or ';'). With
    -f, or with a program piped to standard input, every argument is a binding.
    An expression that could be read as an option goes after '--' (see below).
    """
    return _run(words, file, format_, wrt, output_name, show_all, at_file, expect, rtol, atol,
                hide_answers, gradcheck, step, sample_seed, quiet, seed, upstream, explain, mode,
                exact, precision, out, color)


def _run(words, file, format_, wrt, output_name, show_all, at_file, expect, rtol, atol,
         hide_answers, gradcheck, step, sample_seed, quiet, seed, upstream, explain, mode, exact,
         precision, out, color):
    _check_option_pairs(format_, at_file, expect, gradcheck, hide_answers, quiet, explain, mode,
                        exact)
    _check_out_extension(out, format_, explain)
    text, filename, tokens = split_program(file, words)
    try:
        bindings = parse_bindings(tokens)
    except InputError as error:
        command = close_command(text) if filename is None else None
        if command:
            error.message += f" (did you mean the command 'gradcli {command}'?)"
        raise
    upstream = upstream_value(upstream)
    if at_file or expect or gradcheck or hide_answers or quiet:
        return load(CHECKING)(text, filename, bindings, output_name, format_, out, precision,
                               color, at_file, quiet,
                               (expect, rtol, atol, hide_answers, gradcheck, step, sample_seed),
                               seed=seed, upstream=upstream)
    # One report, built, swept and written with the collector paused (a report per point,
    # as --at-file makes, would pile up: each holds a cycle).
    with paused_gc():
        if explain + (mode == "forward") + exact > 1:
            raise InputError("--explain, --mode forward and --exact each make their own report: "
                             "use one at a time")
        if explain and format_ not in ("table", "explain"):
            raise InputError(f"--explain writes prose, so it cannot be combined with --format "
                             f"{format_}; use one of them")
        wanted = tuple(dict.fromkeys(n.strip() for n in wrt.split(",") if n.strip())) if wrt else None
        if exact or mode == "forward":
            require(format_, "exact" if exact else "tangent")
        if exact:
            result = compute_exact(text, bindings, binding_texts(tokens), output=output_name,
                                   filename=filename, wanted=wanted)
            report = result.report
        else:
            report = result = compute(text, bindings, output=output_name, filename=filename,
                                      seed=seed, upstream=upstream, reject_backward=True)
        for name in wanted or ():
            try:
                report.gradient(name)
            except KeyError:
                raise InputError(f"--wrt: {name!r} is not an input or a named value of the "
                                 "program") from None
        settings = Settings(precision=precision, wrt=wanted, show_all=show_all)
        if mode == "forward":
            result = compute_tangents(report, wanted)
        rendered, kind = render(result, "explain" if explain else format_, settings)
        if format_ == "dot" and out is not None and out.lower().endswith(PICTURES):
            run_graphviz(rendered, out.rsplit(".", 1)[1].lower(), out)   # a picture, not DOT text
            return 0
        write(rendered, out, kind=kind, color=color)
        return 0


def _check_option_pairs(format_, at_file, expect, gradcheck, hide_answers, quiet, explain, mode,
                        exact) -> None:
    """Options that cannot work together are an error naming the pair, never silently dropped."""
    checks = [name for name, given in (("--at-file", at_file), ("--expect", expect),
                                       ("--gradcheck", gradcheck), ("--hide-answers", hide_answers),
                                       ("--quiet", quiet)) if given]
    views = [name for name, given in (("--explain", explain), ("--mode forward", mode == "forward"),
                                      ("--exact", exact)) if given]
    if checks and views:
        raise InputError(f"{views[0]} and {checks[0]} cannot be used together: {views[0]} makes "
                         f"its own report, which {checks[0]} would replace; use one at a time")
    for name, given in (("--expect", expect), ("--gradcheck", gradcheck)):
        if given and format_ not in ("table", "json", "csv", "markdown"):
            raise InputError(f"{name} and --format {format_} cannot be used together: the "
                             "checks are written as a table, json, csv or markdown")
    if quiet and not (expect or gradcheck or at_file):
        raise InputError("--quiet needs --expect, --gradcheck or --at-file: it prints nothing and "
                         "only sets their exit status")


def _check_out_extension(out: str | None, format_: str, explain: bool) -> None:
    if out is None or explain:
        return
    extension = os.path.splitext(out)[1].lower()
    wanted = EXTENSION_FORMATS.get(extension)
    if wanted is not None and wanted != format_:
        picture = " (a picture is drawn from --format dot, or by gradcli graph)" \
            if extension in PICTURES else ""
        raise InputError(f"-o {out}: a {extension} file needs --format {wanted}, not "
                         f"--format {format_}{picture}")


# cleandoc first: appended unindented text would stop click from dedenting the docstring.
one_liner.help = inspect.cleandoc(one_liner.help) + "\n\n" + CONVENTIONS
one_liner.context_class = OneLinerContext
