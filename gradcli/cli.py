"""The command line: a thin layer of options → API call → renderer → write.

`gradcli EXPR [NAME=VALUE ...]` is the default command; subcommands (looked up
in SUBCOMMANDS, imported only when used) win when their name comes first,
and `gradcli -- EXPR` forces an expression. This is the only module that
reads files, writes to the terminal or exits.
"""

from __future__ import annotations

import inspect
import os
import re
import sys

import click

from gradcli.errors import ExitStatus, GradcliError, InputError, InternalError, reading, MathError

# name -> ("module:command", one-line help). Each module is imported only when its command runs.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "batch": ("gradcli.cli_batch:batch_command", "run every line of a file or pipe"),
    "check": ("gradcli.cli_check:check_command", "grade answer files (TOML)"),
    "key": ("gradcli.cli_check:key_command", "fill in a problem file's answers"),
    "verify": ("gradcli.cli_verify:verify_command", "check a hand-written backward pass"),
    "graph": ("gradcli.cli_graph:graph_command", "draw the circuit (DOT, Mermaid, SVG, PNG, PDF)"),
    "diff": ("gradcli.cli_diff:diff_command", "the symbolic derivative, as text or LaTeX"),
}

FORMATS = ("table", "json", "csv", "markdown", "dot", "mermaid", "tree", "explain", "python",
           "latex")
BINDING = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)([^=;\n]*)\Z")

EPILOG_CONVENTIONS = """\b
Conventions where a derivative does not exist:
  relu'(0) = 0, abs'(0) = 0; at a tie in max/min the whole gradient goes to
  the first tied argument (so max(x, 0) at x = 0 sends 1 to x while
  relu'(0) = 0). Kinks, ties and infinite derivatives are flagged as warnings.
\b
Exit status: 0 ok; 1 a check failed; 2 bad input; 3 the maths failed
(domain error, overflow); 4 a missing external program; 70 internal error;
74 the output could not be written; 130 interrupted."""


def _examples() -> str:
    lines = ["\b", "Examples:",
             "  gradcli '(x+y)*z' x=-2 y=5 z=-4",
             "  gradcli '1/(1+exp(-(w0*x0+w1*x1+w2)))' w0=2 w1=-3 w2=-3 x0=-1 x1=-2",
             "  gradcli -f staged.py --format json",
             "  cat staged.py | gradcli x=2"]
    if SUBCOMMANDS:
        lines += ["", "\b", "Commands (gradcli COMMAND --help):"]
        lines += [f"  {name:<8} {help_}" for name, (_, help_) in sorted(SUBCOMMANDS.items())]
    return "\n".join(lines)      # the conventions are in the help text above


# ------------------------------------------------------------------ shared options

def format_option(formats=FORMATS, default="table"):
    return click.option("--format", "format_", type=click.Choice(formats), default=default,
                        show_default=True, help="Output format.")


def output_options(f):
    """Options every command that prints a report shares."""
    f = click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True,
                     help="Colour the table (auto: only on a terminal, and not when NO_COLOR is set).")(f)
    f = click.option("-o", "--out", "out", type=click.Path(dir_okay=False, writable=True),
                     help="Write the result to this file instead of standard output.")(f)
    f = click.option("--precision", type=click.IntRange(1, 17), default=4, show_default=True,
                     help="Significant digits in the table and Markdown (JSON is always exact).")(f)
    return f


def checks_options(f):
    """--expect, --rtol, --atol, --hide-answers, --gradcheck, --step, --sample-seed."""
    from gradcli.defaults import ATOL, RTOL, SEED, STEP

    options = [
        click.option("--expect", "expect", multiple=True, metavar="ITEM=NUMBER",
                     help="Check a claimed answer: value=-12, d/dx=-4 (repeatable)."),
        click.option("--rtol", type=float, default=RTOL, show_default=True,
                     help="Relative tolerance of --expect."),
        click.option("--atol", type=float, default=ATOL, show_default=True,
                     help="Absolute tolerance of --expect."),
        click.option("--hide-answers", is_flag=True,
                     help="Report pass/fail only, never gradcli's own values."),
        click.option("--gradcheck", is_flag=True,
                     help="Compare the gradients with centered differences."),
        click.option("--step", type=float, default=STEP, show_default=True,
                     help="The step h of --gradcheck."),
        click.option("--sample-seed", type=int, default=SEED, show_default=True,
                     help="Seed of --gradcheck's sample of intermediates in large graphs."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def make_console(color: str, file=None):
    from rich.console import Console

    # User text is never read as Rich markup or :emoji: codes.
    plain = dict(highlight=False, markup=False, emoji=False)
    if color == "always":
        # An explicit flag wins over NO_COLOR in the environment (no-color.org).
        # Standard colours are all the table uses, and TERM=dumb must not switch them off.
        return Console(file=file, force_terminal=True, no_color=False, color_system="standard",
                       **plain)
    if color == "never" or file is not None:
        return Console(file=file, no_color=True, color_system=None, **plain)
    return Console(file=file, **plain)


def emit(rendered, kind: str, out: str | None, color: str) -> None:
    """Write a rendered result to stdout or to --out."""
    if out is None:
        if kind == "renderable":
            console = _wide_enough(make_console(color), rendered)
            if console.is_terminal:
                console.print(rendered)
            else:
                sys.stdout.write(_plain(console, rendered))
        else:
            sys.stdout.write(rendered)
        sys.stdout.flush()
        return
    try:
        with open(out, "w", encoding="utf-8", newline="") as f:
            if kind == "renderable":
                f.write(_plain(_wide_enough(make_console("never", file=f), rendered), rendered))
            else:
                f.write(rendered)
    except OSError as e:
        raise GradcliError(f"cannot write {out}: {e.strerror}",
                           exit_code=ExitStatus.OUTPUT_ERROR) from None


def _wide_enough(console, rendered):
    """Widen the console to what the renderable needs to show every number whole."""
    needed = getattr(rendered, "min_width", None)
    if needed is not None:
        console.width = max(console.width, needed())
    return console


def _plain(console, rendered) -> str:
    """A renderable as text for a file or a pipe, without the padding Rich leaves at line ends
    (which would make every line differ in a diff that ignores nothing)."""
    with console.capture() as captured:
        console.print(rendered)
    return "\n".join(line.rstrip() for line in captured.get().split("\n"))


# ------------------------------------------------------------------ the one-liner

# A program is text: past this size, or with a NUL byte, it is surely not one (-f /dev/zero).
MAX_PROGRAM_BYTES = 256 * 1024 * 1024


def read_program(path: str, what: str = "a program file") -> tuple[str, str]:
    """A program file's text and the name to show in messages ('-' is standard input).

    Bytes that are not UTF-8 are kept (as surrogate escapes) rather than refused here, so a
    comment may hold any text and the parser points at a bad byte outside one with a caret.
    """
    if path == "-":
        if sys.stdin is None:
            raise InputError("standard input is closed, so there is no program to read")
        return _read_stdin(), "<stdin>"
    with reading(path, what), open(path, "rb") as f:
        return _read_text(f, path), path


def _read_text(stream, name: str) -> str:
    chunks = []
    size = 0
    while True:
        try:
            chunk = stream.read(1 << 20)
        except OSError as e:
            raise InputError(f"cannot read {name}: {e.strerror or e}") from None
        if not chunk:
            break
        if b"\0" in chunk:
            raise InputError(f"{name} holds a NUL byte: it is binary data, not a program")
        size += len(chunk)
        if size > MAX_PROGRAM_BYTES:
            raise InputError(f"{name} is larger than {MAX_PROGRAM_BYTES >> 20} MiB: not a program "
                             "gradcli will read")
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "surrogateescape")


def _read_stdin() -> str:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:      # a text stream without bytes underneath (an embedding program)
        return sys.stdin.read()
    return _read_text(stream, "<stdin>")


def _stdin_is_piped() -> bool:
    return sys.stdin is not None and not sys.stdin.isatty()


def parse_bindings(tokens) -> dict[str, float]:
    from gradcli.report import parse_binding_value

    bindings: dict[str, float] = {}
    for token in tokens:
        match = BINDING.match(token)
        name_part = token.split("=", 1)[0].strip()
        if match is None and "=" in token and name_part.isidentifier() and not name_part.isascii():
            raise InputError(f"{name_part!r} is not a name gradcli accepts: names are ASCII "
                             "(letters, digits, _), in the program and in bindings alike; "
                             "spell it out, e.g. theta")
        if match is None:
            raise InputError(f"{token!r} is not a binding: write NAME=VALUE, like x=-2 or t=pi/2 "
                             "(the expression, if any, comes first)")
        name, text = match.group(1), match.group(2).strip()
        if name in bindings:
            raise InputError(f"{name!r} is given twice on the command line")
        if not text:
            raise InputError(f"the binding {token!r} has no value after '='")
        try:
            if text.startswith("@"):
                from gradcli.arrays.files import read_array

                bindings[name] = read_array(text[1:].strip())
            else:
                bindings[name] = parse_binding_value(text)
        except GradcliError as error:
            error.message = f"in the value of {name}: {error.message}"
            raise
    return bindings


def split_program(file, words) -> tuple[str, str | None, list[str]]:
    """(program text, file name, binding tokens) from -f, the words, or piped stdin."""
    if file is not None:
        text, name = read_program(file)
        return text, name, list(words)
    first_is_binding = bool(words) and BINDING.match(words[0]) is not None
    if (not words or first_is_binding) and _stdin_is_piped():
        text = _read_stdin()
        if text.strip() or not words:
            return text, "<stdin>", list(words)
    if not words:
        raise InputError("no program: give an expression (gradcli '(x+y)*z' x=-2 y=5 z=-4), "
                         "a file with -f, or pipe a program to standard input")
    if len(words) > 1 and all(re.fullmatch(r"[A-Za-z_]\w*=[^=;\s]+", word) for word in words):
        # `gradcli x=-2 y=5`: the expression was forgotten (a program `x=-2` followed by
        # bindings could only fail with a stranger message).
        raise InputError(f"no expression: {words[0]!r} is a binding; give the expression first, "
                         f"as in gradcli '(x+y)*z' {' '.join(words)}")
    return words[0], None, list(words[1:])


@click.command(name="gradcli", context_settings={"help_option_names": ["-h", "--help"],
                                                  "max_content_width": 80},
               epilog=None)
@click.argument("words", nargs=-1, metavar="[EXPR] [NAME=VALUE]...")
@click.option("-f", "--file", type=str, metavar="PATH",
              help="Read the program from a file ('-' for standard input).")
@format_option()
@click.option("--wrt", metavar="NAME[,NAME...]",
              help="List only these gradients under the table (JSON always has every input).")
@click.option("--output", "output_name", metavar="NAME",
              help="Differentiate this named value instead of the last statement.")
@click.option("--all", "show_all", is_flag=True,
              help="Show every row: constants, and all rows of a huge graph.")
@click.option("--at-file", metavar="POINTS.csv",
              help="Evaluate at every row of a CSV whose header names inputs (one record per row).")
@checks_options
@click.option("-q", "--quiet", is_flag=True,
              help="With --expect/--gradcheck/--at-file: print nothing, only set the exit status.")
@click.option("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0, show_default=True,
              help="Seed for random arrays (randn, rand), drawn in statement order: the "
                   "same arrays as np.random.seed(N) and the same calls in Python.")
@click.option("--upstream", default="ones", show_default=True, metavar="ones|randn|FILE",
              help="Upstream gradient for an array output: ones (the gradient of its sum), "
                   "randn (drawn after the program's random arrays), or a .npy/.csv/.json file.")
@click.option("--explain", is_flag=True,
              help="Narrate the backward pass step by step, in plain words.")
@click.option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse",
              show_default=True,
              help="forward: a tangent sweep giving ∂node/∂x for every node (needs --wrt x).")
@click.option("--exact", is_flag=True,
              help="Rational arithmetic where the expression allows it (fractions, exactly).")
@output_options
@click.version_option(package_name="gradcli", message="gradcli %(version)s")
@click.pass_context
def one_liner(ctx, words, file, format_, wrt, output_name, show_all, out, precision, color,
              at_file, expect, rtol, atol, hide_answers, gradcheck, step, sample_seed, quiet,
              seed, upstream, explain, mode, exact):
    """Show every node's value, local gradients, upstream gradient and what it
    sends downstream, for an expression or a staged program.

    EXPR may be a whole program (statements separated by newlines or ';'). With
    -f, or with a program piped to standard input, every argument is a binding.
    """
    from gradcli.render import Settings, renderer
    from gradcli.report import compute

    ctx.obj = {"format": format_}
    _check_option_pairs(format_, at_file, expect, gradcheck, hide_answers, quiet, explain, mode,
                        exact)
    _check_out_extension(out, format_, explain)
    text, filename, tokens = split_program(file, words)
    try:
        bindings = parse_bindings(tokens)
    except InputError as error:
        command = _close_command(text) if filename is None else None
        if command:
            error.message += f" (did you mean the command 'gradcli {command}'?)"
        raise
    if upstream not in ("ones", "randn"):
        from gradcli.arrays.files import read_array

        upstream = (read_array(upstream), upstream)
    if at_file or expect or gradcheck or hide_answers or quiet:
        from gradcli.cli_expect import run_with_checks

        return run_with_checks(text, filename, bindings, output_name, format_, out, precision,
                               color, at_file, quiet,
                               (expect, rtol, atol, hide_answers, gradcheck, step, sample_seed),
                               seed=seed, upstream=upstream)
    try:
        report = compute(text, bindings, output=output_name, filename=filename, seed=seed,
                         upstream=upstream, reject_backward=True)
    except MathError as error:
        if not exact:
            raise
        from gradcli.exact import report_past_overflow   # exact numbers need no float

        report = report_past_overflow(text, bindings, output_name, filename, error)
    wanted = None
    if wrt:
        wanted = tuple(dict.fromkeys(name.strip() for name in wrt.split(",") if name.strip()))
        for name in wanted:
            try:
                report.gradient(name)
            except KeyError:
                raise InputError(f"--wrt: {name!r} is not an input or a named value of the "
                                 "program") from None
    settings = Settings(precision=precision, wrt=wanted, show_all=show_all)
    if explain + (mode == "forward") + exact > 1:
        raise InputError("--explain, --mode forward and --exact each make their own report: "
                         "use one at a time")
    if mode == "forward":
        from gradcli.forward_mode import render_forward

        rendered, kind = render_forward(report, settings, format_)
    elif exact:
        from gradcli.exact import render_exact

        rendered, kind = render_exact(report, settings, format_, tokens)
    else:
        if explain and format_ not in ("table", "explain"):
            raise InputError(f"--explain writes prose, so it cannot be combined with --format "
                             f"{format_}; use one of them")
        render, kind = renderer("explain" if explain else format_)
        rendered = render(report, settings)
        if format_ == "dot" and out is not None and out.lower().endswith((".svg", ".png", ".pdf")):
            from gradcli.cli_graph import run_graphviz

            run_graphviz(rendered, out.rsplit(".", 1)[1].lower(), out)   # a picture, not DOT text
            return
    emit(rendered, kind, out, color)


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


# cleandoc first: appended unindented text would stop click from dedenting the docstring.
one_liner.help = inspect.cleandoc(one_liner.help) + "\n\n" + EPILOG_CONVENTIONS


# ------------------------------------------------------------------ dispatch

def _option_arity(command: click.Command) -> dict[str, bool]:
    """Each option spelling of a command -> whether it takes a value."""
    arity = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for spelling in param.opts + param.secondary_opts:
                arity[spelling] = not (param.is_flag or param.count)
    # click adds the help option outside `params`; without this, `-h` would read as an expression.
    for spelling in command.context_settings.get("help_option_names", ["--help"]):
        arity[spelling] = False
    return arity


def arrange(argv: list[str], command: click.Command) -> tuple[str | None, list[str]]:
    """Find a leading subcommand, and put the one-liner's arguments in an order click can parse.

    Options may come anywhere, and an expression may begin with '-' ('-x*y'): a word is an
    option only if the command knows it, so everything else is moved after '--'.
    """
    arity = _option_arity(command)
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
            if not words and not options and i + 1 < len(argv):
                words.append(argv[i + 1])      # `gradcli -- graph`: an expression, not a command
                i += 1
        elif word.startswith("--"):
            name = word.split("=", 1)[0]
            options.append(word)
            if arity.get(name) and "=" not in word and i + 1 < len(argv):
                options.append(argv[i + 1])
                i += 1
        elif word.startswith("-") and len(word) > 1 and word[:2] in arity:
            options.append(word)
            if arity[word[:2]] and len(word) == 2 and i + 1 < len(argv):
                options.append(argv[i + 1])
                i += 1
        else:
            if not words and not forced and word in SUBCOMMANDS:
                rest = argv[:i] + argv[i + 1:]
                return word, rest
            words.append(word)
        i += 1
    return None, options + (["--"] + words if words else [])


def _load(target: str) -> click.Command:
    import importlib

    module, attribute = target.split(":")
    return getattr(importlib.import_module(module), attribute)


def _wants_json(argv: list[str]) -> bool:
    for i, word in enumerate(argv):
        if word == "--":
            break
        if word == "--format=json" or (word == "--format" and argv[i + 1:i + 2] == ["json"]):
            return True
    return False


def report_error(error: GradcliError, as_json: bool) -> int:
    if as_json and sys.stdout is not None:
        from gradcli.render.machine import error_json

        try:
            sys.stdout.write(error_json(error))
            sys.stdout.flush()
        except OSError:
            pass    # the human message below still says what went wrong
    if sys.stderr is not None:
        try:
            sys.stderr.write(error.render() + "\n")
            sys.stderr.flush()
        except OSError:
            pass
    return int(error.exit_code)


def _output_error(e: OSError) -> GradcliError:
    return GradcliError(f"cannot write the output: {e.strerror or e}",
                        exit_code=ExitStatus.OUTPUT_ERROR)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs a command and returns its exit status; never shows a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    if sys.stdout is None:     # started with standard output closed (gradcli ... >&-)
        return report_error(GradcliError("standard output is closed: there is nowhere to write "
                                         "the result", exit_code=ExitStatus.OUTPUT_ERROR), False)
    try:
        name, args = arrange(argv, one_liner)
        command = one_liner if name is None else _load(SUBCOMMANDS[name][0])
        prog = "gradcli" if name is None else f"gradcli {name}"
        if name is None:
            one_liner.epilog = _examples()
        # A command may return its exit status (1 for a failed check, printed by the command).
        # Not command.main(): it turns a broken pipe into sys.exit(1), and a closed pipe
        # (gradcli batch ... | head -1) is a quiet exit 0, handled below.
        with command.make_context(prog, args) as ctx:
            status = command.invoke(ctx)
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
        return report_error(_output_error(e), as_json)   # (reading failures are InputErrors)
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


# What a file name's extension promises; -o refuses a --format that would break the promise.
EXTENSION_FORMATS = {".svg": "dot", ".png": "dot", ".pdf": "dot", ".dot": "dot", ".gv": "dot",
                     ".mmd": "mermaid", ".json": "json", ".csv": "csv", ".md": "markdown",
                     ".tex": "latex", ".py": "python"}


def _check_out_extension(out: str | None, format_: str, explain: bool) -> None:
    if out is None or explain:
        return
    extension = os.path.splitext(out)[1].lower()
    wanted = EXTENSION_FORMATS.get(extension)
    if wanted is not None and wanted != format_:
        picture = " (a picture is drawn from --format dot, or by gradcli graph)" \
            if extension in (".svg", ".png", ".pdf") else ""
        raise InputError(f"-o {out}: a {extension} file needs --format {wanted}, not "
                         f"--format {format_}{picture}")


def _close_command(word: str) -> str | None:
    """A subcommand name the word is probably a typo of (`verfy`), or None."""
    import difflib

    if not word.isidentifier():
        return None
    close = difflib.get_close_matches(word, list(SUBCOMMANDS), n=1, cutoff=0.7)
    return close[0] if close else None


def _click_error(e: click.ClickException) -> GradcliError:
    """click's usage errors, in gradcli's one-paragraph style."""
    message = e.format_message()
    context = getattr(e, "ctx", None)
    if isinstance(e, click.UsageError):
        where = context.command_path if context is not None else "gradcli"
        message = f"{message[0].lower() + message[1:] if message else message}".rstrip(".")
        message += f" (see {where} --help)"
    return GradcliError(message, exit_code=e.exit_code)


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
        status = report_error(_output_error(e), False)
    except KeyboardInterrupt:
        status = int(ExitStatus.INTERRUPTED)
    # Everything is written and flushed, and gradcli registers no exit handlers: skip the
    # interpreter's teardown of every module and object, a noticeable part of a one-liner.
    _exit(status)


_exit = os._exit     # tests put sys.exit here: os._exit would end the test run itself
