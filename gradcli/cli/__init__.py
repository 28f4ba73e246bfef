"""The command line: a click Group whose default command is the one-liner.

`gradcli EXPR [NAME=VALUE ...]` runs the one-liner; a first word that names a command runs
that command (imported only then); `gradcli -- EXPR` forces an expression. `main` is the one
place that turns an error into stderr text and an exit status, and never shows a traceback.
"""

from __future__ import annotations

import os
import sys

import click
from click.core import ParameterSource

from gradcli.cli.commands import COMMANDS
from gradcli.cli.io import error_text, for_stream, guard_streams, output_error
from gradcli.cli.options import (
    CONTEXT_SETTINGS,
    envvar_name,
    help_for_stdout,
    option,
    option_arity,
)
from gradcli.errors import ExitStatus, GradcliError, InternalError
from gradcli.lazy import load
from gradcli.render.machine import error_json

DEFAULT = "\0one-liner"      # a name no word on a command line can spell
PROGRAM = "gradcli"
# The default command, run when the first word is no command's name.
ONE_LINER = "gradcli.cli.one_liner:one_liner"


class GradcliGroup(click.Group):
    """Subcommands loaded on first use; every other command line goes to the one-liner."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == DEFAULT:
            return load(ONE_LINER)
        if name in COMMANDS:
            return load(COMMANDS[name][0])
        return None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not (ctx.resilient_parsing and not args):
            args = self.route(args)
        return super().parse_args(ctx, args)

    def route(self, args: list[str]) -> list[str]:
        """The group's own options (help, version) when they come first; a command when its
        name is the first word; else the one-liner, with every word. Options of the one-liner
        may come before a command's name (gradcli --format json batch ...)."""
        if args and args[0] in ("-h", "--help", "-V", "--version"):
            return args
        arity = option_arity(load(ONE_LINER))
        i = 0
        while i < len(args):
            word = args[i]
            name = word.split("=", 1)[0]
            if word.startswith("--") and name in arity:
                i += 2 if arity[name] and "=" not in word else 1
            elif word.startswith("-") and not word.startswith("--") and word[:2] in arity:
                i += 2 if arity[word[:2]] and len(word) == 2 else 1
            elif word in COMMANDS:
                return [word, *args[:i], *args[i + 1:]]
            else:
                break       # an expression, a binding, '--' or an unknown option
        return [DEFAULT, *args]

    def shell_complete(self, ctx: click.Context, incomplete: str):
        """Commands, and the one-liner's options: `gradcli --for<TAB>` is the one-liner's."""
        items = super().shell_complete(ctx, incomplete)
        if incomplete.startswith("-"):
            items += load(ONE_LINER).shell_complete(ctx, incomplete)
        return items

    def get_help(self, ctx: click.Context) -> str:
        return help_for_stdout(super().get_help(ctx))

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[OPTIONS] [EXPR] [NAME=VALUE]...")
        formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="       ")

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Usage, what it does, the commands, then the one-liner's options and notes."""
        one_liner = load(ONE_LINER)
        self.format_usage(ctx, formatter)
        lines = (one_liner.help or "").split("\n\n")
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(lines[0])
        with formatter.section("Commands (gradcli COMMAND --help)"):
            formatter.write_dl([(name, help_) for name, (_, help_) in sorted(COMMANDS.items())])
        rows = [row for row in (p.get_help_record(ctx) for p in one_liner.get_params(ctx)
                                if isinstance(p, click.Option)) if row is not None]
        rows += [("-V, --version", "Show the version and exit.")]
        with formatter.section("Options"):
            formatter.write_dl(rows)
        for paragraph in lines[1:] + [one_liner.epilog or ""]:
            if paragraph.strip():
                formatter.write_paragraph()
                with formatter.indentation():
                    formatter.write_text(paragraph)


def _version(ctx: click.Context, param, value) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("gradcli")
    except PackageNotFoundError:
        number = "unknown"
    click.echo(f"gradcli {number}")
    ctx.exit()


@click.group(name=PROGRAM, cls=GradcliGroup, context_settings=CONTEXT_SETTINGS,
             invoke_without_command=False)
@option("-V", "--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_version, help="Show the version and exit.")
def cli() -> None:
    """See backpropagation, node by node."""


# ------------------------------------------------------------------ the entry point

def _wants_json(argv: list[str]) -> bool:
    for i, word in enumerate(argv):
        if word == "--":
            break
        if word == "--format=json" or (word == "--format" and argv[i + 1:i + 2] == ["json"]):
            return True
    return False


def report_error(error: GradcliError, as_json: bool) -> int:
    if as_json and sys.stdout is not None:
        try:
            sys.stdout.write(for_stream(error_json(error), sys.stdout))
            sys.stdout.flush()
        except OSError:
            pass    # the human message below still says what went wrong
    if sys.stderr is not None:
        try:
            sys.stderr.write(for_stream(error_text(error) + "\n", sys.stderr))
            sys.stderr.flush()
        except OSError:
            pass
    return int(error.exit_code)


def _click_error(e: click.ClickException) -> GradcliError:
    """click's usage errors, in gradcli's one-paragraph style."""
    message = e.format_message()
    context = getattr(e, "ctx", None)
    param = getattr(e, "param", None)
    if context is not None and param is not None and param.name is not None and \
            context.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT:
        message = message.rstrip(".") + \
            f" (from the environment variable {envvar_name(context, param)})"
    if isinstance(e, click.UsageError):
        where = context.command_path if context is not None else PROGRAM
        message = f"{message[0].lower() + message[1:] if message else message}".rstrip(".")
        message += f" (see {where} --help)"
    return GradcliError(message, exit_code=e.exit_code)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs a command and returns its exit status; never shows a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    guard_streams()
    if sys.stdout is None:     # started with standard output closed (gradcli ... >&-)
        return report_error(GradcliError("standard output is closed: there is nowhere to write "
                                         "the result", exit_code=ExitStatus.OUTPUT_ERROR), False)
    try:
        instruction = os.environ.get("_GRADCLI_COMPLETE")
        if instruction:
            from click.shell_completion import shell_complete

            return shell_complete(cli, {}, PROGRAM, "_GRADCLI_COMPLETE", instruction)
        # Not cli.main(): it turns a broken pipe into sys.exit(1), and a closed pipe
        # (gradcli batch ... | head -1) is a quiet exit 0, handled below.
        with cli.make_context(PROGRAM, argv, auto_envvar_prefix="GRADCLI") as ctx:
            status = cli.invoke(ctx)
        return status if isinstance(status, int) else 0
    except GradcliError as error:
        return report_error(error, as_json)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        return report_error(_click_error(e), as_json)
    except (KeyboardInterrupt, EOFError, click.exceptions.Abort):
        sys.stderr.write("\ninterrupted\n")
        return int(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (gradcli ... | head -1): stop quietly.
        _silence_stdout()
        return 0
    except OSError as e:       # writing the result failed: a full disk, a vanished device
        return report_error(output_error(None, e), as_json)   # (reading failures are InputErrors)
    except RecursionError:
        error = InternalError("recursion limit reached; this is a bug in gradcli, please report it "
                              "with the command you ran")
        return report_error(error, as_json)
    except MemoryError:
        return report_error(InternalError("out of memory"), as_json)
    except Exception as e:   # a bug: say so plainly, never with a traceback
        error = InternalError(f"internal error ({type(e).__name__}: {e}); this is a bug in gradcli, "
                              "please report it with the command you ran")
        return report_error(error, as_json)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run() -> None:
    """Console-script entry point."""
    try:
        status = main()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except BrokenPipeError:
        _silence_stdout()
        status = 0
    except OSError as e:
        status = report_error(output_error(None, e), False)
    except KeyboardInterrupt:
        status = int(ExitStatus.INTERRUPTED)
    # Everything is written and flushed, and gradcli registers no exit handlers: skip the
    # interpreter's teardown of every module and object, a noticeable part of a one-liner.
    _exit(status)


_exit = os._exit     # tests put sys.exit here: os._exit would end the test run itself
