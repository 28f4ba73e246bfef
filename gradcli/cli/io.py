"""The command line's only reader and writer: programs from files and standard input, results
to standard output or to -o, pictures through Graphviz.

Every command writes through `write` (or a `sink` it streams records into), so a failed
write is the same error everywhere: exit 74, "cannot write ...".
"""

from __future__ import annotations

import os
import sys

from gradcli.errors import ExitStatus, GradcliError, InputError, MissingProgram, reading
from gradcli.render.glyphs import AsciiGlyphs, fits, replace_unencodable, to_ascii

# A program is text: past this size, or with a NUL byte, it is surely not one (-f /dev/zero).
MAX_PROGRAM_BYTES = 256 * 1024 * 1024



# ------------------------------------------------------------------ reading

def read_program(path: str, what: str = "a program file") -> tuple[str, str]:
    """A program file's text and the name to show in messages ('-' is standard input).

    Bytes that are not UTF-8 are kept (as surrogate escapes) rather than refused here, so a
    comment may hold any text and the parser points at a bad byte outside one with a caret.
    """
    if path == "-":
        if sys.stdin is None:
            raise InputError("standard input is closed, so there is no program to read")
        return read_stdin(), "<stdin>"
    with reading(path, what), open(path, "rb") as f:
        return _read_text(f, path), path


def read_document(path, what: str) -> tuple[str, str]:
    """A text file that must be UTF-8 throughout (a TOML file), and its name."""
    source = str(path)
    with reading(source, what), open(path, encoding="utf-8", newline="") as f:
        return f.read(), source


def class_files(paths, suffixes: tuple[str, ...], what: str, skip=()) -> list[str]:
    """The files a class command reads: each path given, and for a folder every file in it
    (and below it) whose name ends in one of `suffixes`, in name order, hidden ones left
    out, and `skip` (the TA's own file or keys, when they sit among the submissions). A
    path that does not exist, or a folder with no such file, is a usage error (exit 2)."""
    skipped = {os.path.realpath(path) for path in skip if path is not None}
    found = []
    for path in paths:
        path = str(path)
        if os.path.isdir(path):
            inside = []
            for folder, folders, names in os.walk(path):
                folders[:] = sorted(name for name in folders if not name.startswith("."))
                inside += [os.path.join(folder, name) for name in names
                           if name.endswith(suffixes) and not name.startswith(".")]
            inside = [name for name in sorted(inside) if not _under(name, skipped)]
            if not inside:
                raise InputError(f"{path} holds no {' or '.join(suffixes)} file: no {what} to "
                                 "read")
            found += inside
        elif not os.path.exists(path) and path != "-":
            raise InputError(f"no such file: {path}")
        else:
            found.append(path)
    return found


def _under(path: str, skipped: set) -> bool:
    """Whether a file is one of `skipped`, or inside a folder of them (the keys of gen)."""
    real = os.path.realpath(path)
    return any(real == skip or real.startswith(skip + os.sep) for skip in skipped)


def open_lines(path: str, what: str):
    """A file (or standard input for '-') to read line by line, as bytes where it can."""
    if path == "-":
        return getattr(sys.stdin, "buffer", sys.stdin)
    with reading(path, what):
        return open(path, "rb")


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


def read_stdin() -> str:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:      # a text stream without bytes underneath (an embedding program)
        return sys.stdin.read()
    return _read_text(stream, "<stdin>")


def stdin_is_piped() -> bool:
    return sys.stdin is not None and not sys.stdin.isatty()


def read_line(prompt: str) -> str | None:
    """One line of a conversation (the prompt, practice), None at its end. At a terminal the
    line is typed after the prompt; from a pipe it is echoed after it, so the output reads as
    the terminal would show it."""
    if sys.stdin is None:
        return None
    if sys.stdin.isatty():
        try:
            return input(prompt)
        except EOFError:
            sys.stdout.write("\n")
            return None
    line = sys.stdin.readline()
    if not line:
        return None
    sys.stdout.write((prompt + line.rstrip("\r\n")).rstrip() + "\n")
    sys.stdout.flush()
    return line.rstrip("\r\n")


# ------------------------------------------------------------------ writing

def error_text(error: GradcliError, stream=None) -> str:
    """An error's paragraph for standard error: its `error:` in red on a terminal (not when
    NO_COLOR is set or TERM is dumb, as the console's rules go), plain anywhere else. Plain
    ANSI, so reporting an error never loads Rich."""
    text = error.render()
    stream = sys.stderr if stream is None else stream
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError, OSError):
        terminal = False
    if terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb" \
            and text.startswith("error:"):
        text = "\x1b[1;31merror:\x1b[0m" + text[len("error:"):]
    return text


GLYPH_ERRORS = "gradcli-glyphs"


def guard_streams() -> None:
    """Standard output and error in an encoding that cannot carry the views' glyphs (a
    Latin-1 locale, PYTHONIOENCODING=cp1252): whatever reaches them unconverted (help
    text, a progress bar) has its glyphs in ASCII rather than failing to encode."""
    import codecs

    try:
        codecs.lookup_error(GLYPH_ERRORS)
    except LookupError:
        codecs.register_error(GLYPH_ERRORS, replace_unencodable)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not fits(getattr(stream, "encoding", None)):
            try:
                stream.reconfigure(errors=GLYPH_ERRORS)
            except (AttributeError, ValueError, OSError):
                pass


def encoding_of(stream) -> str | None:
    """The stream's encoding where it cannot carry the views' glyphs, else None."""
    encoding = getattr(stream, "encoding", None)
    return None if fits(encoding) else encoding


def for_stream(text: str, stream) -> str:
    """Text as `stream` can carry it: glyphs in ASCII where its encoding lacks them."""
    encoding = encoding_of(stream)
    return text if encoding is None else to_ascii(text, encoding)

def output_error(target: str | None, error: OSError) -> GradcliError:
    where = target if target is not None else "the output"
    return GradcliError(f"cannot write {where}: {error.strerror or error}",
                        exit_code=ExitStatus.OUTPUT_ERROR)


LAYOUT_WIDTH = 80


def layout_width() -> int:
    """The width of output that goes to no terminal: $COLUMNS, else 80 (never the width of a
    terminal it was started from, so a redirect gives the same file wherever it runs)."""
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and 0 < int(columns) < 10_000 else LAYOUT_WIDTH


def make_console(color: str, file=None):
    from rich.console import Console

    # User text is never read as Rich markup or :emoji: codes.
    plain = dict(highlight=False, markup=False, emoji=False)
    if file is not None or sys.stdout is None or not _isatty(sys.stdout):
        plain["width"] = layout_width()
    if color == "always":
        # An explicit flag wins over NO_COLOR in the environment (no-color.org).
        # Standard colours are all the table uses, and TERM=dumb must not switch them off.
        return Console(file=file, force_terminal=True, no_color=False, color_system="standard",
                       **plain)
    if color == "never" or file is not None:
        return Console(file=file, no_color=True, color_system=None, **plain)
    return Console(file=file, **plain)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _wide_enough(console, rendered):
    """Widen the console to what the renderable needs to show every number whole."""
    needed = getattr(rendered, "min_width", None)
    width = needed() if needed is not None else None
    if width is not None:
        console.width = max(console.width, width)
    return console


def _plain(console, rendered) -> str:
    """A renderable as text for a file or a pipe, without the padding Rich leaves at line ends
    (which would make every line differ in a diff that ignores nothing)."""
    with console.capture() as captured:
        console.print(rendered)
    return "\n".join(line.rstrip() for line in captured.get().split("\n"))


def write(rendered, out: str | None = None, *, kind: str = "text", color: str = "never",
          append: bool = False) -> None:
    """Write a result to standard output or to the file `out`: text as it is, a Rich
    renderable printed on a console (coloured on a terminal, plain anywhere else), or
    "styled" text (render.style.Styled: PASS green, FAIL red, as pytest does) coloured by
    the same rule."""
    if kind == "styled":
        # Rich is imported only when colour may be shown: a pipe never pays for it.
        if (out is None or out == "-") and (color == "always" or (
                color == "auto" and sys.stdout.isatty())):
            console = make_console(color)
            if console.is_terminal and not console.no_color:
                from rich.text import Text

                console.print(Text.assemble(*rendered), soft_wrap=True, end="")
                sys.stdout.flush()
                return
        rendered, kind = rendered.plain, "text"
    if out is None or out == "-":
        encoding = encoding_of(sys.stdout)
        if kind == "renderable":
            if encoding is not None:
                rendered = AsciiGlyphs(rendered, encoding)
            console = _wide_enough(make_console(color), rendered)
            if console.is_terminal:
                console.print(rendered)
            else:
                sys.stdout.write(_plain(console, rendered))
        elif kind == "chunks":
            for chunk in rendered:
                sys.stdout.write(chunk if encoding is None else to_ascii(chunk, encoding))
        else:
            sys.stdout.write(rendered if encoding is None else to_ascii(rendered, encoding))
        sys.stdout.flush()
        return
    try:
        with open(out, "a" if append else "w", encoding="utf-8", newline="") as f:
            if kind == "renderable":
                f.write(_plain(_wide_enough(make_console("never", file=f), rendered), rendered))
            elif kind == "chunks":
                for chunk in rendered:
                    f.write(chunk)
            else:
                f.write(rendered)
    except OSError as e:
        raise output_error(out, e) from None


class _Stdout:
    """Looks sys.stdout up on every write, so a progress bar that redirects it is honoured."""

    def write(self, text: str) -> None:
        sys.stdout.write(for_stream(text, sys.stdout))

    @property
    def ascii(self) -> bool:
        """Whether text written here has its glyphs in ASCII (a fixed-width view cuts with
        '...' rather than '…' there)."""
        return encoding_of(sys.stdout) is not None

    def flush(self) -> None:
        sys.stdout.flush()

    def close(self) -> None:
        pass


class _File:
    """A file written record by record; every failure is the one output error."""

    def __init__(self, path: str):
        self.path = path
        try:
            self.file = open(path, "w", encoding="utf-8", newline="")
        except OSError as e:
            raise output_error(path, e) from None

    def write(self, text: str) -> None:
        try:
            self.file.write(text)
        except OSError as e:
            raise output_error(self.path, e) from None

    def flush(self) -> None:
        try:
            self.file.flush()
        except OSError as e:
            raise output_error(self.path, e) from None

    def close(self) -> None:
        try:
            self.file.close()
        except OSError as e:
            raise output_error(self.path, e) from None


def sink(out: str | None):
    """Somewhere to stream records to: standard output, or the file `out`."""
    return _Stdout() if out is None or out == "-" else _File(out)


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
    try:
        fd, temporary = tempfile.mkstemp(prefix=".gradcli-", suffix="." + fmt, dir=directory)
    except OSError as e:
        raise output_error(out, e) from None
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


def run_rsvg(svg_text: str, fmt: str, out: str) -> None:
    """Draw an SVG into a .png with librsvg's `rsvg-convert`; no partial file is left."""
    import shutil
    import subprocess
    import tempfile

    program = shutil.which("rsvg-convert")
    if program is None:
        raise MissingProgram(f"writing .{fmt} needs the 'rsvg-convert' program, which is not "
                             "installed: install librsvg (apt-get install librsvg2-bin, brew "
                             "install librsvg), or write .svg instead")
    directory = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(directory):
        raise InputError(f"cannot write {out}: the directory {directory} does not exist")
    try:
        fd, temporary = tempfile.mkstemp(prefix=".gradcli-", suffix="." + fmt, dir=directory)
    except OSError as e:
        raise output_error(out, e) from None
    os.close(fd)
    try:
        result = subprocess.run([program, "-f", fmt, "-o", temporary], input=svg_text.encode(),
                                capture_output=True, check=False)
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            raise MissingProgram(f"rsvg-convert failed (exit {result.returncode})"
                                 + (f": {detail[-1]}" if detail else ""))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
