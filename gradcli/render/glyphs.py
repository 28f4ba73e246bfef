"""The one glyph table: every non-ASCII symbol a view draws, and the ASCII it falls back to
where the output's encoding cannot carry it (LC_ALL=en_US.ISO-8859-1, PYTHONIOENCODING=cp1252,
a Windows console, a pipe with an ASCII locale).

The views write their glyphs as they are (∂, ─, ←, …); the writer (cli/io) asks `fits` of
its stream once and, where the stream cannot carry them, swaps each glyph for its ASCII form:
in a Rich renderable before Rich lays it out (so columns stay aligned: "<-" is two cells),
in text as it is written. What remains unencodable (a comment's Chinese, say) is written as a backslash escape.
Files written with -o are UTF-8 and keep every glyph.
"""

from __future__ import annotations

ASCII = {
    "∂": "d", "─": "-", "━": "-", "│": "|", "←": "<-", "→": "->", "…": "...", "×": "x",
    "·": "*", "≈": "~", "±": "+/-", "⚠": "!", "—": "-", "–": "-", "²": "^2", "³": "^3",
    "∞": "inf", "Σ": "sum", "≤": "<=", "≥": ">=", "≠": "!=", "ṫ": "t'", "ṅ": "n'", "✓": "ok", "✗": "x", "├": "|", "└": "`", "┌": "+", "┐": "+",
    "┘": "+", "┬": "+", "┴": "+", "┼": "+", "▕": "|", "▏": "|", "•": "*", "\u00a0": " ",
}
# The glyphs whose absence decides: a stream that carries these carries the views.
PROBE = "∂─←…×≈"
_TABLE = str.maketrans(ASCII)
# One cell for one: for what Rich itself draws once the layout is made (the '…' of a cut cell).
_CELLS = str.maketrans({glyph: text[0] if text != "..." else "." for glyph, text in ASCII.items()})


def fits(encoding: str | None) -> bool:
    """Whether text in this encoding carries the views' glyphs."""
    if not encoding:
        return True         # a stream without one takes str as it is (a StringIO)
    try:
        PROBE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def to_ascii(text: str, encoding: str = "ascii") -> str:
    """`text` for a stream whose encoding lacks the views' glyphs: each glyph in its ASCII
    form, and anything else the encoding cannot carry (user text: a comment's Chinese) as a
    backslash escape."""
    return _encodable(text, encoding, _TABLE)


def _encodable(text: str, encoding: str, table) -> str:
    if text.isascii():
        return text
    # Every glyph, even one this encoding has (cp1252 has '…' and '×' but not '∂'): a view
    # is in one alphabet.
    text = text.translate(table)
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "ascii"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)


def replace_unencodable(error: UnicodeEncodeError):
    """A codec error handler (registered by cli/io) for anything written past the writer: a
    glyph's ASCII form, else a backslash escape. Alignment is the writer's job; this only
    never fails."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    piece = error.object[error.start:error.end]
    return "".join(ASCII.get(ch) or ch.encode("ascii", "backslashreplace").decode()
                   for ch in piece), error.end


def ascii_box(box):
    """A Rich box drawn in ASCII, line for line (Rich's own fallback is a grid of '|')."""
    from rich.box import Box

    lines = "".join(ch if ch.isascii() else ASCII.get(ch, "+")[:1] for ch in box._box)
    return Box(lines, ascii=True)


class AsciiGlyphs:
    """A Rich renderable with its glyphs swapped before Rich lays it out.

    What the wrapped renderable yields is converted as it comes: text and Text (styles kept),
    a Table's headers and cells, a Tree's labels; any other renderable is wrapped in turn."""

    def __init__(self, renderable, encoding: str):
        self.renderable = renderable
        self.encoding = encoding

    def min_width(self) -> int | None:
        needed = getattr(self.renderable, "min_width", None)
        return needed() if needed is not None else None

    def __rich_console__(self, console, options):
        from rich.console import ConsoleRenderable, RichCast
        from rich.segment import Segment

        renderable = self.renderable
        if isinstance(renderable, RichCast):
            renderable = renderable.__rich__()
        items = renderable.__rich_console__(console, options) \
            if isinstance(renderable, ConsoleRenderable) else [renderable]
        for item in items:
            # Laid out from converted text; what Rich then adds itself is swapped cell for cell.
            for segment in console.render(self.convert(item, console), options):
                yield Segment(_encodable(segment.text, self.encoding, _CELLS), segment.style,
                              segment.control)

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.renderable)

    def convert(self, item, console):
        from rich.segment import Segment
        from rich.table import Table
        from rich.text import Text
        from rich.tree import Tree

        if isinstance(item, str):
            return to_ascii(item, self.encoding)
        if isinstance(item, Text):
            return self.text(item, console)
        if isinstance(item, Segment):
            return Segment(to_ascii(item.text, self.encoding), item.style, item.control)
        if isinstance(item, Table):
            if item.box is not None and not item.box.ascii:
                item.box = ascii_box(item.box)
            for column in item.columns:
                column.header = self.convert(column.header, console)
                column._cells = [self.convert(cell, console) for cell in column._cells]
            for attribute in ("title", "caption"):
                if getattr(item, attribute, None) is not None:
                    setattr(item, attribute, self.convert(getattr(item, attribute), console))
            return item
        if isinstance(item, Tree):
            stack = [item]
            while stack:
                node = stack.pop()
                node.label = self.convert(node.label, console)
                stack.extend(node.children)
            return item
        if hasattr(item, "__rich_console__") or hasattr(item, "__rich__"):
            return AsciiGlyphs(item, self.encoding)
        return item

    def text(self, text, console):
        from rich.text import Text

        plain = text.plain
        converted = to_ascii(plain, self.encoding)
        if converted == plain:
            return text
        # Span by span, so each piece keeps its style however its length changes.
        pieces = []
        cuts = sorted({0, len(plain), *(s.start for s in text.spans), *(s.end for s in text.spans)})
        for start, end in zip(cuts, cuts[1:]):
            piece = text[start:end]
            pieces.append(Text(to_ascii(piece.plain, self.encoding), spans=[
                type(span)(0, len(to_ascii(piece.plain, self.encoding)), span.style)
                for span in piece.spans]))
        out = Text("", style=text.style, justify=text.justify, overflow=text.overflow,
                   no_wrap=text.no_wrap, end=text.end)
        for piece in pieces:
            out.append_text(piece)
        return out
