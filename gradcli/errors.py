"""One error type for everything the user can get wrong, carrying where and how badly.

The core raises these; only the CLI turns them into stderr text and an exit
status (as click's ClickException and httpie's ExitStatus do). The helpers that
word an error's place (a caret under the text, a line number, "did you mean")
live here too, so every floor above can use them.
"""

from __future__ import annotations

import bisect
import contextlib
import enum
import re
import unicodedata


class ExitStatus(enum.IntEnum):
    OK = 0
    CHECK_FAILED = 1      # an expectation or gradient check failed (like diff/grep)
    BAD_INPUT = 2         # syntax, names, bindings, options, shapes
    MATH_ERROR = 3        # domain error or overflow at a node
    MISSING_PROGRAM = 4   # an external program (Graphviz, LaTeX) is not installed
    INTERNAL_ERROR = 70   # a bug in gradcli (EX_SOFTWARE)
    OUTPUT_ERROR = 74     # the result could not be written: disk full, output closed (EX_IOERR)
    INTERRUPTED = 130     # Ctrl-C, as a shell reports SIGINT


class Span:
    """[start, end) character offsets into the source text."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int):
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Span({self.start}, {self.end})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))


# What an error may quote of the user's text. A message quotes names, values, file names and
# options as they were typed; a 10 MiB identifier must not become a 10 MiB message, so every
# message is bounded once, where it is set: a long word keeps its head and tail, and a long
# message its beginning and end (where the advice is).
WORD_LIMIT = 120
MESSAGE_LIMIT = 1200
NAME_LIMIT = 200            # a file name where an error names its place
ERROR_BYTES = 4096          # the whole rendered paragraph, in UTF-8
_LONG_WORD = re.compile(r"\S{%d,}" % (WORD_LIMIT + 1))


def clip(text: str, limit: int = WORD_LIMIT) -> str:
    """`text` cut to at most `limit` characters, keeping its head and tail around a '…'."""
    if len(text) <= limit:
        return text
    tail = limit // 3
    return text[:limit - tail - 1] + "…" + text[len(text) - tail:]


def bounded(message: str) -> str:
    """A message with every over-long word clipped, then clipped as a whole."""
    if len(message) > WORD_LIMIT:
        message = _LONG_WORD.sub(lambda m: clip(m.group()), message)
    return clip(message, MESSAGE_LIMIT)


class GradcliError(Exception):
    """An error with a message, an optional span in the user's text, and an exit status.

    The message is bounded whenever it is set (see `bounded`), so whatever the input, an
    error is a paragraph, never a copy of the input."""

    exit_code = ExitStatus.BAD_INPUT

    def __init__(self, message: str, span: Span | None = None, *, source: str | None = None,
                 filename: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source
        self.filename = filename
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return self._message

    @message.setter
    def message(self, text: str) -> None:
        self._message = bounded(str(text))
        self.args = (self._message,)        # str(error) says the same

    def with_source(self, source: str, filename: str | None = None) -> "GradcliError":
        """Attach the text the span points into (the first caller that knows it wins)."""
        if self.source is None:
            self.source = source
            self.filename = filename
        return self

    def __str__(self) -> str:
        """The message and where it points: `unknown function 'sinn' (line 1, column 5)`."""
        where = self.line_column
        if where is None:
            return self.message
        place = f"line {where[0]}, column {where[1]}"
        return f"{self.message} ({self.filename}, {place})" if self.filename else \
            f"{self.message} ({place})"

    @property
    def line_column(self) -> tuple[int, int] | None:
        """1-based line and column (columns count characters), or None when no text is at fault."""
        if self.span is None or self.source is None:
            return None
        start = min(self.span.start, len(self.source))
        line = self.source.count("\n", 0, start) + 1
        column = start - (self.source.rfind("\n", 0, start) + 1) + 1
        return line, column

    def to_json(self) -> dict:
        where = self.line_column
        return {
            "message": self.message,
            "exit_code": int(self.exit_code),
            "line": where[0] if where else None,
            "column": where[1] if where else None,
        }

    def render(self, place: bool = True) -> str:
        """The one-paragraph, plain-text form for stderr: message, position, source line, caret.
        Without `place`, the line and caret alone (the prompt's errors are about the line just
        shown, whose number would say nothing)."""
        lines = [f"error: {clip(safe_text(self.message), MESSAGE_LIMIT)}"]
        where = self.line_column
        filename = clip(safe_text(self.filename), NAME_LIMIT) if self.filename else None
        if where is not None:
            line_no, column = where
            if place:
                at = f"line {line_no}, column {column}"
                if filename:
                    at += f" ({filename}:{line_no}:{column})"
                lines.append(f"  at {at}:")
            lines.extend(_caret_lines(self.source, self.span))
        elif filename and not self.message.startswith(self.filename):
            lines.append(f"  in {filename}")
        text = "\n".join(lines)
        if len(text) * 4 > ERROR_BYTES and len(text.encode("utf-8", "replace")) > ERROR_BYTES:
            text = clip(text, ERROR_BYTES // 4)     # wide characters throughout: still bounded
        return text


class InputError(GradcliError):
    exit_code = ExitStatus.BAD_INPUT


class MathError(GradcliError):
    exit_code = ExitStatus.MATH_ERROR


class CheckFailed(GradcliError):
    exit_code = ExitStatus.CHECK_FAILED


class MissingProgram(GradcliError):
    exit_code = ExitStatus.MISSING_PROGRAM


class InternalError(GradcliError):
    exit_code = ExitStatus.INTERNAL_ERROR


class NeedsArrays(InputError):
    """The program uses arrays: the scalar lowering stops, and compute hands it to the array
    engine. `span` is where it first uses one; `binding` the name of an array binding, when
    that is the reason."""

    def __init__(self, span: Span | None = None, binding: str | None = None):
        super().__init__("this program uses arrays", span)
        self.binding = binding


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'sin'?)' when a choice is close to `word`, else ''."""
    import difflib

    if len(word) > WORD_LIMIT:      # no one mistypes a name that long; difflib would crawl
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class LineIndex:
    """Offset → 1-based line number in O(log n), so naming lines stays linear over a program."""

    def __init__(self, source: str):
        self.starts = [0]
        find = source.find
        position = find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = find("\n", position + 1)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, max(offset, 0))

    def column(self, offset: int) -> int:
        return max(offset, 0) - self.starts[self.line(offset) - 1] + 1


_CONTROL_NAMES = {"\t": " ", "\r": " ", "\x00": "\u2400"}


def safe_text(text: str) -> str:
    """User text made safe to echo: control characters shown as visible escapes, never raw."""
    if text.isprintable() and "\x1b" not in text:
        return text
    out = []
    for ch in text:
        if ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return "".join(out)


def _display_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _caret_lines(source: str, span: Span) -> list[str]:
    """The source line holding span.start, and a caret line under the span (clipped to that line).

    Control characters print as one visible cell each so the caret stays aligned;
    wide characters count two cells.
    """
    start = min(span.start, len(source))
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end == -1:
        line_end = len(source)
    text = source[line_start:line_end].rstrip("\r")
    end = max(min(span.end, line_start + len(text)), start + 1)

    # Long lines are cut to a window around the culprit that fits an 80-column terminal
    # (4 columns of indent, an ellipsis at each cut end).
    window = 74
    end = min(end, start + window)    # a 5000-digit literal: underline its start only
    lo = line_start
    prefix = ""
    if start - line_start > window - 20:
        lo = max(start - window // 3, line_start)
        prefix = "…"
    hi = min(line_start + len(text), lo + window - len(prefix))
    shown = text[lo - line_start:hi - line_start]
    suffix = "…" if hi < line_start + len(text) else ""

    def cell(ch: str) -> str:
        if ch.isprintable():
            return ch
        return "?"

    visible = prefix + "".join(cell(ch) for ch in shown) + suffix
    pad = len(prefix) + sum(_display_width(cell(ch)) for ch in source[lo:start])
    marks = sum(_display_width(cell(ch)) for ch in source[start:min(end, hi)]) or 1
    return ["    " + visible, "    " + " " * pad + "^" * marks]


@contextlib.contextmanager
def reading(path: str, what: str):
    """The reasons the OS gives for not reading a file, as one-line InputErrors."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not {what}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path} is not UTF-8 text (byte {e.start} cannot be decoded): save it "
                         "as UTF-8") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
