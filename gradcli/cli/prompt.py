"""gradcli -i: the interactive prompt, where statements accumulate into a program.

`x = 3` gives an input a value (a number or a constant expression, kept until it is given
another); `q = x + y` defines a value, which later lines may use; an expression, or a
definition, prints its table at once. Commands start with ':' (`:help` lists them). A name may
be defined again: the program is put in order by what each definition reads, so `f` follows a
new `q`. Only what the shown value needs is computed, so an input not given yet is no error
until a value needs it.

At a terminal, prompt_toolkit edits the line (history, tab completion of names, functions and
commands; Ctrl-C cancels the line, Ctrl-D quits); it is imported only then, so a scripted
session (`gradcli -i < session.txt`) starts as fast as a one-liner. A scripted session echoes
each line after the prompt, so its output reads as the terminal would show it, the same on
every run; its exit status is that of its first error (0 when none).

Errors are written with their caret, under the line they point into (the one just typed, or
the definition at fault), and the prompt carries on: this loop is the one place besides the
command line's main() that turns an error into text, because a prompt must outlive it.
"""

from __future__ import annotations

import os
import sys

from gradcli.checks.why import SMALL, why
from gradcli.cli.io import (
    read_line,
    read_program,
    run_graphviz,
    write,
)
from gradcli.cli.options import EXTENSION_FORMATS, PICTURES
from gradcli.compute import (
    compute,
    compute_exact,
    compute_tangents,
    parse_binding_value,
    parse_program,
)
from gradcli.errors import ExitStatus, GradcliError, InputError, Span, did_you_mean
from gradcli.lang.ops import CONSTANTS, FUNCTIONS
from gradcli.lang.resolve import uses_no_names, variables
from gradcli.program.bindings import reword_missing
from gradcli.program.scalar_only import refuse_arrays
from gradcli.render import Settings, render

PROMPT = "gradcli> "
WELCOME = ("gradcli {version}: type an expression, a value (x = 3) or a definition (q = x + y); "
           ":help lists the commands, Ctrl-D quits.")

# name -> (arguments, what it does), in the order :help lists them.
COMMANDS = {
    ":wrt": ("[NAME,...]", "list only these gradients under the table (none: all)"),
    ":explain": ("", "the backward pass of the last value shown, in words"),
    ":graph": ("[FILE]", "the circuit as a tree, or to a .svg .png .pdf .dot .mmd .html"),
    ":why": ("[RATIO]", "why a gradient is 0 or below RATIO (1e-6) of the largest"),
    ":exact": ("", "the last value shown, in exact fractions"),
    ":forward": ("[NAME]", "forward mode: ∂node/∂NAME for every node (default: :wrt's)"),
    ":program": ("", "the values and definitions so far, as a program"),
    ":save": ("FILE", "write them to FILE, a program gradcli -f FILE runs"),
    ":load": ("FILE", "read a program's values and definitions; show its last value"),
    ":reset": ("", "forget every value and definition"),
    ":help": ("", "this list"),
    ":quit": ("", "leave (Ctrl-D does too)"),
}
ALIASES = {":q": ":quit", ":exit": ":quit", ":h": ":help", ":?": ":help"}

# The files :graph writes, by extension; pictures go through Graphviz.
GRAPH_FORMATS = {extension: formats[0] for extension, formats in EXTENSION_FORMATS.items()
                 if formats[0] in ("dot", "mermaid", "html")}


class Definition:
    """`name = expr` as typed, the names it reads, and when it was entered."""

    __slots__ = ("name", "text", "reads", "entered")

    def __init__(self, name: str, text: str, reads: set[str], entered: int):
        self.name = name
        self.text = text
        self.reads = reads
        self.entered = entered


class Session:
    """The program so far and what the prompt shows; `run` reads lines until :quit or the end."""

    def __init__(self, precision: int, color: str, wrt=None, show_all: bool = False,
                 scripted: bool = False):
        self.precision = precision
        self.color = color
        self.wrt = wrt
        self.show_all = show_all
        self.scripted = scripted
        self.reset()
        self.status = 0
        self.entries = 0

    def reset(self) -> None:
        self.values: dict[str, object] = {}        # name -> value (a float, or an array)
        self.value_texts: dict[str, str] = {}      # name -> the value as typed (for :exact)
        self.definitions: dict[str, Definition] = {}
        self.shown: tuple[str, str | None] | None = None   # (expression text, or None; name)

    @property
    def settings(self) -> Settings:
        return Settings(precision=self.precision, wrt=self.wrt, show_all=self.show_all)

    # -------------------------------------------------------------- one line

    def enter(self, line: str) -> bool:
        """Carry out one line; False when the session ends. Errors are written and survived."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        try:
            if text.startswith(":"):
                return self.command(text)
            self.statements(text)
        except GradcliError as error:
            self.fail(error)
        except KeyboardInterrupt:
            sys.stdout.flush()
            sys.stderr.write("interrupted\n")
            self.note_status(ExitStatus.INTERRUPTED)
        return True

    def statements(self, source: str) -> None:
        """The statements of a line (or a file), then the table of the last one that has one.
        A definition whose own text is at fault (an unknown name, an array where a number
        goes) is taken back; one that fails only at these values (log of a negative) stays,
        since other values may suit it."""
        statements = parse_program(source)
        before = dict(self.definitions)
        last = None
        for statement in statements:
            text = source[statement.start:statement.end]
            if statement.kind == "import":
                continue
            if statement.kind == "augassign":
                raise InputError("'+=' is for a backward pass (gradcli verify checks one); the "
                                 "prompt builds the forward pass",
                                 Span(statement.start, statement.end), source=source)
            if statement.kind == "expr":
                last = (text, None)
                continue
            expr = statement.expr
            value_text = source[expr.start:expr.end]
            if uses_no_names(expr):
                self.give_value(statement, value_text, source)
                last = None
            else:
                self.define(statement, text, source)
                last = (None, statement.name)
        if last is None:
            return
        try:
            self.show(*last)
        except InputError as error:
            for name, definition in list(self.definitions.items()):
                if before.get(name) is not definition and error.source == definition.text:
                    if name in before:
                        self.definitions[name] = before[name]
                    else:
                        del self.definitions[name]
            raise

    def give_value(self, statement, value_text: str, source: str) -> None:
        name = statement.name
        where = Span(statement.name_start, statement.name_end)
        if name in CONSTANTS or name in FUNCTIONS:
            kind = "constant" if name in CONSTANTS else "function"
            raise InputError(f"{name!r} is a {kind}: it cannot be given a value", where,
                             source=source)
        try:
            value = parse_binding_value(value_text)
        except GradcliError as error:
            raise InputError(error.message, Span(statement.start, statement.end),
                             source=source) from None
        self.definitions.pop(name, None)
        self.values[name] = value
        self.value_texts[name] = value_text

    def define(self, statement, text: str, source: str) -> None:
        name = statement.name
        reads = {e.name for e in variables(statement.expr)}
        if name in reads:
            raise InputError(f"{text} defines {name} in terms of itself; give {name} a number "
                             f"instead ({name} = 4)", Span(statement.start, statement.end),
                             source=source)
        self.entries += 1
        old = self.definitions.get(name)
        self.definitions[name] = Definition(name, text, reads, self.entries)
        if self.order({name}) is None:
            if old is None:
                del self.definitions[name]
            else:
                self.definitions[name] = old
            raise InputError(f"{name} would be defined in terms of itself (through the values "
                             "it reads)", Span(statement.start, statement.end), source=source)
        self.values.pop(name, None)
        self.value_texts.pop(name, None)

    def order(self, wanted: set[str]) -> list[str] | None:
        """The definitions `wanted` needs, each after the ones it reads and otherwise in the
        order they were entered; None where they read each other in a circle."""
        needed, todo = set(), list(wanted)
        while todo:
            name = todo.pop()
            if name in needed or name not in self.definitions:
                continue
            needed.add(name)
            todo.extend(self.definitions[name].reads)
        waiting = {name: {r for r in self.definitions[name].reads if r in needed}
                   for name in needed}
        ordered: list[str] = []
        while waiting:
            ready = [name for name, reads in waiting.items() if not reads]
            if not ready:
                return None
            first = min(ready, key=lambda n: self.definitions[n].entered)
            ordered.append(first)
            del waiting[first]
            for reads in waiting.values():
                reads.discard(first)
        return ordered

    # -------------------------------------------------------------- computing

    def program(self, expression: str | None, name: str | None):
        """What is to be shown, as a program: the values it needs as lines `x = 3` (in the
        order they were given, so its inputs come in that order, as `:save` writes them), the
        definitions it reads, and the expression. Returns the text, where each line starts,
        and the values that have no text (an array from a file) to be given as bindings."""
        reads = {e.name for st in parse_program(expression) if st.expr is not None
                 for e in variables(st.expr)} if expression is not None else {name}
        names = self.order(reads) or []
        inputs = ({r for n in names for r in self.definitions[n].reads} | reads) - set(names)
        given = [n for n in self.values if n in inputs]
        lines = [f"{n} = {self.value_texts[n]}" for n in given if n in self.value_texts]
        lines += [self.definitions[n].text for n in names]
        if expression is not None:
            lines.append(expression)
        starts, offset = [], 0
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1
        bindings = {n: self.values[n] for n in given if n not in self.value_texts}
        return "\n".join(lines) + "\n", list(zip(starts, lines)), bindings

    def compute(self, expression: str | None, name: str | None, exact: bool = False):
        text, lines, bindings = self.program(expression, name)
        try:
            if exact:
                return compute_exact(text, bindings, {}, output=name)
            return compute(text, bindings, output=name)
        except GradcliError as error:
            reword_missing(error, "a value at the prompt",
                           lambda missing: "; ".join(f"{n} = 1" for n in missing))
            raise _relocated(error, text, lines) from None

    def show(self, expression: str | None, name: str | None, view: str = "table") -> None:
        if expression is not None:
            words = expression.strip()
            if words in self.definitions:
                expression, name = None, words
        try:
            report = self.compute(expression, name)
        except GradcliError as error:
            if name is not None and expression is None and getattr(error, "missing", None):
                missing = ", ".join(error.missing)
                self.say(f"{name} is defined; it needs a value for {missing} "
                         f"(e.g. {error.missing[0]} = 1)")
                self.shown = (None, name)
                return
            raise
        self.shown = (expression, name)
        rendered, kind = render(report, view, self.settings)
        write(rendered, kind=kind, color=self.color)

    def current(self) -> tuple[str | None, str | None]:
        if self.shown is None:
            raise InputError("nothing is shown yet: type an expression or a definition first")
        return self.shown

    # -------------------------------------------------------------- commands

    def command(self, text: str) -> bool:
        word, _, argument = text.partition(" ")
        word = ALIASES.get(word.lower(), word.lower())
        argument = argument.strip()
        if word not in COMMANDS:
            hint = did_you_mean(word, list(COMMANDS))
            raise InputError(f"no command {word}{hint}; :help lists them")
        if word == ":quit":
            return False
        getattr(self, "do_" + word[1:])(argument)
        return True

    def do_help(self, argument: str) -> None:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        # A Rich table, so that a narrow terminal wraps the descriptions between words.
        table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
        table.add_column(no_wrap=True)
        table.add_column()
        for name, (args, what) in COMMANDS.items():
            table.add_row(f"  {name} {args}".rstrip(), what)
        intro = Text("Type an expression (its table is shown), a value (x = 3) or a definition "
                     "(q = x + y: later lines may use q). Commands:")
        write(Group(intro, table), kind="renderable", color=self.color)

    def do_wrt(self, argument: str) -> None:
        names = tuple(dict.fromkeys(n.strip() for n in argument.split(",") if n.strip()))
        self.wrt = names or None
        if self.shown is not None:
            expression, name = self.shown
            if names:
                report = self.compute(expression, name)
                for wanted in names:
                    try:
                        report.gradient(wanted)
                    except KeyError:
                        self.wrt = None
                        raise InputError(f":wrt: {wanted!r} is not an input or a named value "
                                         "of the program shown") from None
            self.show(expression, name)

    def do_explain(self, argument: str) -> None:
        self.show(*self.current(), view="explain")

    def do_graph(self, argument: str) -> None:
        expression, name = self.current()
        if not argument:
            self.show(expression, name, view="tree")
            return
        extension = os.path.splitext(argument)[1].lower()
        fmt = GRAPH_FORMATS.get(extension, "dot" if extension in PICTURES else None)
        if fmt is None:
            known = " ".join(sorted(set(GRAPH_FORMATS) | set(PICTURES)))
            raise InputError(f":graph {argument}: write one of {known}")
        report = self.compute(expression, name)
        rendered, kind = render(report, fmt, self.settings)
        if extension in PICTURES:
            run_graphviz(rendered, extension[1:], argument)
        else:
            write(rendered, argument, kind=kind)
        self.say(f"wrote {argument}")

    def do_why(self, argument: str) -> None:
        report = self.compute(*self.current())
        if report.domain != "scalar":
            raise refuse_arrays(":why", report)
        small = SMALL
        if argument:
            try:
                small = float(parse_binding_value(argument))
            except GradcliError:
                small = -1.0
            if not 0 <= small < float("inf"):
                raise InputError(f":why {argument}: the ratio below which a gradient is tiny "
                                 "is a number >= 0, like :why 1e-3")
        self.say("\n".join(why(report, small).lines(self.settings.precision,
                                                     width=self.width())))

    def width(self) -> int:
        """The width to wrap prose to: the terminal's, 80 at most."""
        import shutil

        return min(shutil.get_terminal_size((80, 24)).columns, 80)

    def do_exact(self, argument: str) -> None:
        expression, name = self.current()
        result = self.compute(expression, name, exact=True)
        rendered, kind = render(result, "table", self.settings)
        write(rendered, kind=kind, color=self.color)

    def do_forward(self, argument: str) -> None:
        expression, name = self.current()
        names = tuple(n.strip() for n in argument.split(",") if n.strip()) or self.wrt
        if not names:
            raise InputError(":forward needs the input whose tangent is pushed forward: "
                             ":forward x")
        report = self.compute(expression, name)
        for wanted in names:
            try:
                report.gradient(wanted)
            except KeyError:
                raise InputError(f":forward: {wanted!r} is not an input or a named value of "
                                 "the program shown") from None
        rendered, kind = render(compute_tangents(report, names), "table", self.settings)
        write(rendered, kind=kind, color=self.color)

    def do_reset(self, argument: str) -> None:
        self.reset()
        self.say("forgot every value and definition")

    def program_text(self) -> str:
        lines = [f"{name} = {text}" for name, text in self.value_texts.items()]
        lines += [self.definitions[name].text for name in self.order(set(self.definitions)) or []]
        if self.shown is not None and self.shown[0] is not None:
            lines.append(self.shown[0])
        return "".join(line + "\n" for line in lines)

    def do_program(self, argument: str) -> None:
        self.say(self.program_text().rstrip("\n") or "(nothing yet)")

    def do_save(self, argument: str) -> None:
        if not argument:
            raise InputError(":save needs a file name: :save session.py")
        write(self.program_text(), argument)
        self.say(f"wrote {argument}")

    def do_load(self, argument: str) -> None:
        if not argument:
            raise InputError(":load needs a file name: :load session.py")
        source, filename = read_program(argument)
        try:
            self.statements(source)
        except GradcliError as error:
            if error.source == source:
                error.filename = filename
            raise

    # -------------------------------------------------------------- writing

    def say(self, text: str) -> None:
        write(text + "\n")

    def fail(self, error: GradcliError) -> None:
        sys.stdout.flush()
        sys.stderr.write(error.render(place=error.filename is not None) + "\n")
        sys.stderr.flush()
        self.note_status(error.exit_code)

    def note_status(self, status: int) -> None:
        if self.scripted and not self.status:
            self.status = int(status)

    # -------------------------------------------------------------- the loop

    def run(self, lines) -> int:
        for line in lines:
            if not self.enter(line):
                break
        return self.status


def _relocated(error: GradcliError, text: str, lines) -> GradcliError:
    """An error pointing into the assembled program, made to point into the line at fault (a
    definition typed earlier, or the line just typed)."""
    if error.span is None or error.source != text or error.filename is not None:
        return error
    for start, line in reversed(lines):
        if error.span.start >= start:
            error.source = line
            error.span = Span(error.span.start - start, min(error.span.end - start, len(line)))
            return error
    return error


# ------------------------------------------------------------------ reading lines

def scripted_lines():
    """Lines from a pipe or a file, each echoed after the prompt as a terminal would show it."""
    while True:
        line = read_line(PROMPT)
        if line is None:
            return
        yield line


def completions(session: Session, before: str) -> tuple[str, list[str]]:
    """(the word being completed, what it may become) for the text before the cursor."""
    if before.startswith(":") and " " not in before:
        return before, [name for name in [*COMMANDS, *ALIASES] if name.startswith(before)]
    word = ""
    for ch in reversed(before):
        if not (ch.isalnum() or ch == "_"):
            break
        word = ch + word
    command = before.split(" ", 1)[0] if before.startswith(":") else ""
    names = [*session.values, *session.definitions]
    if command in (":wrt", ":forward"):
        pool = names
    elif command:
        return word, []
    else:
        pool = names + sorted(FUNCTIONS) + sorted(n for n in CONSTANTS if n.islower())
    return word, sorted(dict.fromkeys(n for n in pool if n.startswith(word) and n != word),
                        key=lambda n: (n not in names, n))


def completer(session: Session):
    """prompt_toolkit's Completer for the session: `completions`, and file names after :save,
    :load and :graph."""
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document

    paths = PathCompleter(expanduser=True)

    class GradcliCompleter(Completer):
        def get_completions(self, document, complete_event):
            before = document.text_before_cursor
            command = before.split(" ", 1)[0]
            if command in (":save", ":load", ":graph") and " " in before:
                path = before.split(" ", 1)[1]
                yield from paths.get_completions(Document(path, len(path)), complete_event)
                return
            word, candidates = completions(session, before)
            for candidate in candidates:
                yield Completion(candidate, start_position=-len(word))

    return GradcliCompleter()


def terminal_lines(session: Session, terminal=None):
    """Lines typed at a terminal, edited by prompt_toolkit: history, completion; Ctrl-C cancels
    the line and Ctrl-D ends the session. `terminal`: prompt_toolkit's (input, output) where
    they are not the process's own (tests type into a pipe)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    given = dict(zip(("input", "output"), terminal)) if terminal is not None else {}
    prompt = PromptSession(history=_history(FileHistory, InMemoryHistory),
                           completer=completer(session), complete_while_typing=False, **given)
    while True:
        try:
            yield prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return


def _history(file_history, memory_history):
    """The prompt's history, kept between sessions in the XDG state folder where it can be."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                            "state")
    folder = os.path.join(base, "gradcli")
    try:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "history")
        with open(path, "a", encoding="utf-8"):
            pass
        return file_history(path)
    except OSError:
        return memory_history()


def run_prompt(preload_text: str | None, preload_name: str | None, bindings: dict,
               binding_texts: dict, *, precision: int, color: str, wrt, show_all: bool) -> int:
    """gradcli -i: the session, after the program and values given on the command line."""
    scripted = sys.stdin is None or not sys.stdin.isatty()
    session = Session(precision, color, wrt, show_all, scripted=scripted)
    for name, value in bindings.items():
        session.values[name] = value
        if name in binding_texts:       # not an array read from a file (w=@w.npy)
            session.value_texts[name] = binding_texts[name]
    if preload_text is not None:
        try:
            session.statements(preload_text)
        except GradcliError as error:
            session.fail(error.with_source(preload_text, preload_name))
    if sys.stdin is None:
        return session.status
    if scripted:
        lines = scripted_lines()
    else:
        from importlib.metadata import version

        from rich.text import Text

        write(Text(WELCOME.format(version=version("gradcli")), style="dim"), kind="renderable",
              color=color)
        lines = terminal_lines(session)
    return session.run(lines)
