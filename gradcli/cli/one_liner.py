"""The default command: `gradcli EXPR [NAME=VALUE ...]`, what runs when the first word is no
command's name."""

from __future__ import annotations

import inspect
import sys

import click

from gradcli.cli.bindings import (
    BINDING,
    binding_texts,
    parse_bindings,
    parse_direction,
    split_program,
    upstream_value,
)
from gradcli.cli.commands import close_command
from gradcli.cli.io import read_program, run_graphviz, write
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    PICTURES,
    ExpressionCommand,
    all_option,
    checks_options,
    color_option,
    file_option,
    format_for,
    format_option,
    option,
    out_option,
    output_name_option,
    precision_option,
    second_order_options,
    seed_option,
    upstream_option,
)
from gradcli.compute import (
    compute,
    compute_exact,
    compute_hessian,
    compute_hvp,
    compute_second,
    compute_tangents,
)
from gradcli.errors import InputError
from gradcli.lazy import load
from gradcli.memory import paused_gc
from gradcli.program.scalar_only import refuse_arrays
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
# -i, and a bare `gradcli` at a terminal: the prompt, loaded only then.
PROMPT = "gradcli.cli.prompt:run_prompt"
# --why's reasons, loaded only when asked for.
WHY = "gradcli.checks.why:why"
WHY_SMALL = 1e-6



class OneLinerContext(click.Context):
    """The default command speaks as `gradcli` itself in usage lines and messages."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else "gradcli"


@click.command(name="gradcli", cls=ExpressionCommand, epilog=EXAMPLES,
               context_settings={**CONTEXT_SETTINGS, "auto_envvar_prefix": "GRADCLI"})
@click.argument("words", nargs=-1, metavar="[EXPR] [NAME=VALUE]...")
@file_option
@format_option(FORMATS, help_="Output format (default: the one -o's extension names, else "
                              "table).")
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
@option("--why", is_flag=True, allow_from_autoenv=False,
        help="Say why each gradient that is 0 or tiny is so (with the table, --explain or JSON).")
@option("--small", type=float, default=WHY_SMALL, show_default=True, metavar="RATIO",
        help="With --why: a gradient below RATIO times the largest gradient is tiny.")
@option("-i", "--interactive", is_flag=True, allow_from_autoenv=False,
              help="An interactive prompt: statements add up to a program, each value shows its "
                   "table (also what a bare gradcli at a terminal starts).")
@option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse",
              show_default=True,
              help="forward: a tangent sweep giving ∂node/∂x for every node (needs --wrt x).")
@option("--exact", is_flag=True,
              help="Rational arithmetic where the expression allows it (fractions, exactly).")
@second_order_options
@precision_option()
@out_option()
@color_option
def one_liner(words, file, format_, wrt, output_name, show_all, at_file, expect, rtol, atol,
              hide_answers, gradcheck, step, sample_seed, quiet, seed, upstream, explain, why,
              small, interactive, mode, exact, hessian, hvp, order, precision, out, color):
    """Show every node's value, local gradients, upstream gradient and what it
    sends downstream, for an expression or a staged program.

    EXPR may be a whole program (statements separated by newlines or ';'). With
    -f, or with a program piped to standard input, every argument is a binding.
    An expression that could be read as an option goes after '--' (see below).
    """
    wanted = tuple(dict.fromkeys(n.strip() for n in wrt.split(",") if n.strip())) if wrt else None
    if interactive or (not words and file is None and sys.stdin is not None
                       and sys.stdin.isatty()):
        given = [name for name, on in (("--format", format_ is not None), ("--output", output_name),
                                       ("--at-file", at_file), ("--expect", expect),
                                       ("--gradcheck", gradcheck), ("--hide-answers", hide_answers),
                                       ("--quiet", quiet), ("--explain", explain),
                                       ("--why", why),
                                       ("--mode", mode != "reverse"), ("--exact", exact),
                                       ("--hessian", hessian), ("--hvp", hvp),
                                       ("--order", order != 1),
                                       ("-o", out), ("--upstream", upstream != "ones")) if on]
        if given:
            raise InputError(f"-i and {given[0]} cannot be used together: the prompt shows "
                             "tables, and has commands for the other views (:help lists them)")
        text, filename, tokens = None, None, list(words)
        if file is not None:
            text, filename = read_program(file)
        elif words and not BINDING.match(words[0]):
            text, filename, tokens = words[0], None, list(words[1:])
        return load(PROMPT)(text, filename, parse_bindings(tokens), binding_texts(tokens),
                            precision=precision, color=color, wrt=wanted, show_all=show_all)
    # --explain writes prose whatever the file is called.
    format_ = "table" if explain and format_ is None else \
        format_for(None if explain else out, format_, FORMATS, "table")
    second = _second_order_view(hessian, hvp, order, gradcheck)
    _check_option_pairs(format_, at_file, expect, gradcheck, hide_answers, quiet, explain, mode,
                        exact, second, why)
    given_small = click.get_current_context().get_parameter_source("small")
    if given_small is not click.core.ParameterSource.DEFAULT and not why:
        raise InputError("--small needs --why: it says which gradients --why explains")
    if not (0 <= small < float("inf")):
        raise InputError("--small must be a finite number >= 0, like 1e-6")
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
                               (expect, rtol, atol, hide_answers, gradcheck, step, sample_seed,
                                order),
                               seed=seed, upstream=upstream)
    # One report, built, swept and written with the collector paused (a report per point,
    # as --at-file makes, would pile up: each holds a cycle).
    with paused_gc():
        views = [name for name, given in (("--mode forward", mode == "forward"),
                                          ("--exact", exact), (second, second),
                                          ("--why", why), ("--explain", explain)) if given]
        if why and explain:
            views.remove("--explain")       # --why tells its reasons after the story
        if len(views) > 1:
            raise InputError(f"{views[0]} and {views[1]} each make their own report: use one at a "
                             "time")
        if explain and format_ not in ("table", "explain"):
            raise InputError(f"--explain writes prose, so it cannot be combined with --format "
                             f"{format_}; use one of them")
        if exact or mode == "forward" or second or why:
            require("explain" if explain else format_, "exact" if exact else "tangent"
                    if mode == "forward" else "why" if why else SECOND_DOMAINS[second])
        direction = parse_direction(hvp) if hvp is not None else None
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
        elif second == "--hessian":
            result = compute_hessian(report, wanted)
        elif second == "--hvp":
            result = compute_hvp(report, direction)
        elif second:
            result = compute_second(report, wanted)
        elif why:
            if report.domain != "scalar":
                raise refuse_arrays("--why", report)
            result = load(WHY)(report, small)
        rendered, kind = render(result, "explain" if explain else format_, settings)
        if format_ == "dot" and out is not None and out.lower().endswith(PICTURES):
            run_graphviz(rendered, out.rsplit(".", 1)[1].lower(), out)   # a picture, not DOT text
            return 0
        write(rendered, out, kind=kind, color=color)
    return 0


# The second-order views, by the option that asks for one, and the domain of their result.
SECOND_DOMAINS = {"--hessian": "hessian", "--hvp": "hvp", "--order 2": "second"}


def _second_order_view(hessian: bool, hvp: str | None, order: int, gradcheck: bool) -> str | None:
    """Which second-order view is asked for (None: none); --order 2 with --gradcheck is a
    check, not a view."""
    asked = [name for name, given in (("--hessian", hessian), ("--hvp", hvp is not None),
                                      ("--order 2", order == 2 and not gradcheck)) if given]
    if len(asked) > 1:
        raise InputError(f"{asked[0]} and {asked[1]} each make their own report: use one at a "
                         "time")
    return asked[0] if asked else None


def _check_option_pairs(format_, at_file, expect, gradcheck, hide_answers, quiet, explain, mode,
                        exact, second=None, why=False) -> None:
    """Options that cannot work together are an error naming the pair, never silently dropped."""
    checks = [name for name, given in (("--at-file", at_file), ("--expect", expect),
                                       ("--gradcheck", gradcheck), ("--hide-answers", hide_answers),
                                       ("--quiet", quiet)) if given]
    views = [name for name, given in (("--explain", explain), ("--mode forward", mode == "forward"),
                                      ("--exact", exact), (second, second), ("--why", why))
             if given]
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


# cleandoc first: appended unindented text would stop click from dedenting the docstring.
one_liner.help = inspect.cleandoc(one_liner.help) + "\n\n" + CONVENTIONS
one_liner.context_class = OneLinerContext
