"""Options every command shares, declared once and stacked as decorators (sqlite-utils'
`output_options`), and the command class that lets an expression start with '-'.

Preferences (precision, colour, format, tolerances, seeds) may come from the environment,
GRADCLI_PRECISION=6 for the one-liner and GRADCLI_BATCH_PRECISION=6 for `gradcli batch`;
what names a run's own files (-f, -o, --at-file, --expect) never does.
"""

from __future__ import annotations

import os

import click

from gradcli.cli.io import for_stream
from gradcli.defaults import ATOL, MAX_NODES, PRECISION, RTOL, SEED, STEP
from gradcli.errors import InputError, did_you_mean

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 80}


class Option(click.Option):
    """An option whose environment variable is named after its flag (--format: GRADCLI_FORMAT,
    --all: GRADCLI_ALL), not after the Python name it is passed as (format_, show_all)."""

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
        if self.envvar or not (self.allow_from_autoenv and ctx.auto_envvar_prefix):
            return super().resolve_envvar_value(ctx)
        return os.environ.get(envvar_name(ctx, self)) or None


def envvar_name(ctx: click.Context, param: click.Option) -> str:
    """The environment variable an option's default comes from."""
    if param.envvar:
        return param.envvar if isinstance(param.envvar, str) else param.envvar[0]
    flag = max(param.opts, key=len).lstrip("-").replace("-", "_").upper()
    return f"{ctx.auto_envvar_prefix}_{flag}"


def option(*names, **settings):
    """click.option with gradcli's Option class."""
    return click.option(*names, cls=Option, **settings)


def _stack(*decorators):
    def decorate(f):
        for decorator in reversed(decorators):
            f = decorator(f)
        return f
    return decorate


def format_option(formats, default: str | None = None, help_: str = "Output format."):
    """--format; left out, the format follows -o's extension (see format_for)."""
    return option("--format", "format_", type=click.Choice(formats), default=default,
                        show_default=default is not None, help=help_)


# What a file name's extension promises, for every command's -o: without --format the
# extension picks the format (the first the command writes), and a --format that would
# break the promise is refused.
EXTENSION_FORMATS = {".svg": ("dot",), ".png": ("dot",), ".pdf": ("dot",), ".dot": ("dot",),
                     ".gv": ("dot",), ".mmd": ("mermaid",), ".json": ("json", "gradescope"),
                     ".csv": ("csv",), ".md": ("markdown",), ".tex": ("latex",),
                     ".py": ("python",), ".html": ("html",), ".htm": ("html",)}
PICTURES = (".svg", ".png", ".pdf")


def format_for(out: str | None, given: str | None, formats, default: str,
               command: str = "gradcli") -> str:
    """The format a command writes: --format when given, else the one -o's extension names,
    else `default`; a --format, or a command, that cannot keep the extension's promise is
    an error naming both."""
    extension = os.path.splitext(out)[1].lower() if out not in (None, "-") else ""
    wanted = EXTENSION_FORMATS.get(extension)
    if wanted is None:
        return given or default
    if given is not None:
        if given not in wanted:
            picture = " (a picture is drawn from --format dot, or by gradcli graph)" \
                if extension in PICTURES else ""
            raise InputError(f"-o {out}: a {extension} file needs --format {wanted[0]}, not "
                             f"--format {given}{picture}")
        return given
    for name in wanted:
        if name in formats:
            return name
    raise InputError(f"-o {out}: a {extension} file holds {wanted[0]}, which {command} does "
                     f"not write (it writes {', '.join(formats)}); name the file for one of "
                     "those, or leave out -o")


def file_option(f):
    return option("-f", "--file", type=str, metavar="PATH", allow_from_autoenv=False,
                        help="Read the program from a file ('-' for standard input).")(f)


def out_option(help_: str = "Write the result to this file instead of standard output."):
    return option("-o", "--out", "out", type=click.Path(dir_okay=False),
                        allow_from_autoenv=False, help=help_)


def precision_option(help_: str = "Significant digits in the table and Markdown (JSON is "
                                  "always exact)."):
    return option("--precision", type=click.IntRange(1, 17), default=PRECISION,
                        show_default=True, help=help_)


color_option = option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour the table (auto: only on a terminal, and not when NO_COLOR is set).")

output_name_option = option(
    "--output", "output_name", metavar="NAME",
    help="Differentiate this named value instead of the last statement.")

quiet_option = option("-q", "--quiet", is_flag=True,
                            help="Print nothing; only set the exit status.")

all_option = option("--all", "show_all", is_flag=True,
                          help="Show every row: constants, and all rows of a huge graph.")

max_nodes_option = option(
    "--max-nodes", type=click.IntRange(2, None), default=MAX_NODES, show_default=True,
    help="Gates drawn before the part furthest from the output is elided.")


def seed_option(help_: str = "Seed for random arrays (randn, rand), drawn in statement order: "
                             "the same arrays as np.random.seed(N) and the same calls in "
                             "Python."):
    return option("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0,
                        show_default=True, help=help_)


upstream_option = option(
    "--upstream", default="ones", show_default=True, metavar="ones|randn|FILE",
    help="Upstream gradient for an array output: ones (the gradient of its sum), randn (drawn "
         "after the program's random arrays), or a .npy/.csv/.json file.")

hide_answers_option = option("--hide-answers", is_flag=True,
                                   help="Report pass/fail only, never gradcli's own values.")

checks_options = _stack(
    option("--expect", "expect", multiple=True, metavar="ITEM=NUMBER",
                 allow_from_autoenv=False,
                 help="Check a claimed answer: value=-12, d/dx=-4 (repeatable)."),
    option("--rtol", type=float, default=RTOL, show_default=True,
                 help="Relative tolerance of --expect."),
    option("--atol", type=float, default=ATOL, show_default=True,
                 help="Absolute tolerance of --expect."),
    hide_answers_option,
    option("--gradcheck", is_flag=True,
                 help="Compare the gradients with centered differences."),
    option("--step", type=float, default=STEP, show_default=True,
                 help="The step h of --gradcheck."),
    option("--sample-seed", type=int, default=SEED, show_default=True,
                 help="Seed of --gradcheck's sample of intermediates in large graphs."),
)


def order_option(maximum: int, help_: str):
    """--order N: how many times to differentiate (the one-liner and gradcli diff)."""
    # What a run computes, not a preference: never from the environment.
    return option("--order", type=click.IntRange(1, maximum), default=1, show_default=True,
                  metavar="N", allow_from_autoenv=False, help=help_)


second_order_options = _stack(
    option("--hessian", is_flag=True, allow_from_autoenv=False,
           help="The Hessian ∂²f/∂x∂y of the output (--wrt: only these inputs)."),
    option("--hvp", metavar="NAME=V[,NAME=V...]", allow_from_autoenv=False,
           help="The Hessian-vector product H·v for the direction v (inputs not named: 0)."),
    order_option(2, "2: the column ∂²f/∂x∂node beside ∂f/∂node (with --wrt x); with "
                    "--gradcheck, check the second derivatives."),
)


# ------------------------------------------------------------------ expressions may start with '-'

def option_arity(command: click.Command) -> dict[str, bool]:
    """Each option spelling of a command -> whether it takes a value."""
    arity = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for spelling in param.opts + param.secondary_opts:
                arity[spelling] = not (param.is_flag or param.count)
    for spelling in command.context_settings.get("help_option_names", ["--help"]):
        arity[spelling] = False
    return arity


def arrange(argv: list[str], command: click.Command) -> list[str]:
    """The words in an order click can parse: the command's options first, then '--' and the
    rest. A word is an option only if the command knows it, so '-x*y' and '-cos(x)' are
    expressions; a word that looks like a long option but is none is an error that says how
    to pass an expression starting with '-'."""
    arity = option_arity(command)
    options: list[str] = []
    words: list[str] = []
    i = 0
    forced = False
    while i < len(argv):
        word = argv[i]
        if forced:
            words.append(word)
        elif word == "--":
            forced = True
        elif word.startswith("--") and len(word) > 2:
            name = word.split("=", 1)[0]
            if name not in arity:
                raise unknown_option(name, arity, command)
            options.append(word)
            if arity[name] and "=" not in word and i + 1 < len(argv):
                options.append(argv[i + 1])
                i += 1
        elif word.startswith("-") and len(word) > 1 and word[:2] in arity:
            options.append(word)
            if arity[word[:2]] and len(word) == 2 and i + 1 < len(argv):
                options.append(argv[i + 1])
                i += 1
        else:
            words.append(word)
        i += 1
    return options + (["--"] + words if words else [])


def unknown_option(name: str, arity: dict, command: click.Command) -> InputError:
    long_names = [spelling for spelling in arity if spelling.startswith("--")]
    hint = did_you_mean(name, long_names)
    where = "gradcli" if command.name in (None, "gradcli") else f"gradcli {command.name}"
    return InputError(f"no such option {name!r}{hint}; an expression that looks like an option "
                      f"goes after '--': {where} -- {name} x=1 (see {where} --help)")


def help_for_stdout(help_text: str) -> str:
    """Help as standard output can carry it (click would send an ASCII locale UTF-8)."""
    import sys

    return for_stream(help_text, sys.stdout)


class Command(click.Command):
    """A gradcli command: its help in glyphs standard output can carry."""

    def get_help(self, ctx: click.Context) -> str:
        return help_for_stdout(super().get_help(ctx))


class ExpressionCommand(Command):
    """A command whose words may be an expression: see `arrange`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not ctx.resilient_parsing:
            args = arrange(args, self)
        return super().parse_args(ctx, args)
