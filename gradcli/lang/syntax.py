"""Text → statements of Exprs, with character spans, through Lark's LALR parser.

The tree is built by an inline transformer, so Lark never builds its own parse
tree and nothing recurses: the LALR parser keeps an explicit stack, and the
callbacks below only ever look at their direct children. That is what lets
100,000 nested parentheses parse at the default recursion limit.

The parser's tables are generated ahead of time from grammar/gradcli.lark into
gradcli/lang/lalr.py (Lark's stand-alone tool), so a run neither compiles the grammar
nor imports lark.
"""

from __future__ import annotations

import os
import re
import unicodedata

from gradcli.errors import InputError, Span
from gradcli.lang.expr import Expr
from gradcli.lang.lalr import (
    Lark_StandAlone,
    Transformer,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
)

GRAMMAR_NAME = "gradcli.lark"


class Statement:
    """One line of a program: `name = expr`, `name += expr`, a bare expression, or an import."""

    __slots__ = ("kind", "name", "name_start", "name_end", "expr", "start", "end", "op")

    def __init__(self, kind, name, name_start, name_end, expr, start, end, op=None):
        self.kind = kind              # "assign", "augassign", "expr" or "import"
        self.name = name
        self.name_start = name_start
        self.name_end = name_end
        self.expr = expr
        self.start = start
        self.end = end
        self.op = op                  # "+=" / "-=" for augassign; the module for import

    def __repr__(self) -> str:
        return f"Statement({self.kind}, {self.name!r}, {self.expr!r})"


def grammar_path() -> str:
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shipped = os.path.join(package, "grammar", GRAMMAR_NAME)     # inside an installed wheel
    if os.path.isfile(shipped):
        return shipped
    # A source checkout or an editable install.
    return os.path.join(os.path.dirname(package), "grammar", GRAMMAR_NAME)


def _tok(token) -> tuple[int, int]:
    return token.start_pos, token.end_pos


def _make_builder():
    class AstBuilder(Transformer):
        """Lark callbacks, one per rule alias; each builds one Expr from its children."""

        def number(self, c):
            token = c[0]
            value = float(token)
            if value == float("inf"):
                raise InputError(f"the number {_short(str(token))} is too large for a float64",
                                 Span(*_tok(token)))
            return Expr("number", value=value, start=token.start_pos, end=token.end_pos)

        def name(self, c):
            token = c[0]
            return Expr("name", name=str(token), start=token.start_pos, end=token.end_pos)

        def group(self, c):
            inner = c[1]
            # The span of a parenthesised expression includes its parentheses.
            inner.start = c[0].start_pos
            inner.end = c[2].end_pos
            return inner

        def _infix(kind):
            def build(self, c):
                left, token, right = c
                return Expr(kind, (left, right), start=left.start, end=right.end,
                            op_start=token.start_pos, op_end=token.end_pos)
            return build

        add = _infix("add")
        sub = _infix("sub")
        mul = _infix("mul")
        div = _infix("div")
        matmul = _infix("matmul")
        pow = _infix("pow")
        gt = _infix("gt")
        lt = _infix("lt")
        ge = _infix("ge")
        le = _infix("le")

        def _prefix(kind):
            def build(self, c):
                token, operand = c
                return Expr(kind, (operand,), start=token.start_pos, end=operand.end,
                            op_start=token.start_pos, op_end=token.end_pos)
            return build

        neg = _prefix("neg")
        pos = _prefix("pos")

        def attr(self, c):
            obj, token = c
            return Expr("attr", (obj,), name=str(token), start=obj.start, end=token.end_pos,
                        op_start=token.start_pos, op_end=token.end_pos)

        def call(self, c):
            callee, lpar, arguments, rpar = c
            return Expr("call", (callee, *(arguments or ())), start=callee.start,
                        end=rpar.end_pos, op_start=callee.start, op_end=callee.end)

        def arguments(self, c):
            return c

        def keyword(self, c):
            token, value = c
            return Expr("keyword", (value,), name=str(token), start=token.start_pos, end=value.end)

        def unpack(self, c):
            star, value = c
            return Expr("unpack", (value,), start=star.start_pos, end=value.end)

        def index(self, c):
            obj, lsqb, subscripts, rsqb = c
            return Expr("subscript", (obj, *subscripts), start=obj.start, end=rsqb.end_pos,
                        op_start=lsqb.start_pos, op_end=rsqb.end_pos)

        def subscripts(self, c):
            return c

        def slice(self, c):
            lower, colon, upper = c
            start = lower.start if lower is not None else colon.start_pos
            end = upper.end if upper is not None else colon.end_pos
            return Expr("slice", (lower, upper), start=start, end=end)

        def array(self, c):
            lsqb, items, rsqb = c
            return Expr("array", tuple(items or ()), start=lsqb.start_pos, end=rsqb.end_pos)

        def items(self, c):
            return c

        def tuple(self, c):
            lpar, items, rpar = c
            return Expr("tuple", tuple(items), start=lpar.start_pos, end=rpar.end_pos)

        def tuple_items(self, c):
            return c

        def dotted(self, c):
            return c

        def assign(self, c):
            token, value = c
            return Statement("assign", str(token), token.start_pos, token.end_pos, value,
                             token.start_pos, value.end)

        def augassign(self, c):
            token, op, value = c
            return Statement("augassign", str(token), token.start_pos, token.end_pos, value,
                             token.start_pos, value.end, op=str(op))

        def expr_stmt(self, c):
            value = c[0]
            return Statement("expr", None, -1, -1, value, value.start, value.end)

        def import_stmt(self, c):
            parts, alias = c
            module = ".".join(str(p) for p in parts)
            end = alias.end_pos if alias is not None else parts[-1].end_pos
            return Statement("import", str(alias) if alias is not None else None,
                             parts[0].start_pos, end, None, parts[0].start_pos, end, op=module)

        def program(self, c):
            return c

    return AstBuilder()


class BracketNewlines:
    """Post-lexer: a newline inside (...) or [...] continues the line, as in Python."""

    always_accept = ("_NEWLINE",)

    def process(self, stream):
        depth = 0
        for token in stream:
            kind = token.type
            if kind == "_NEWLINE":
                if depth:
                    continue
            elif kind == "LPAR" or kind == "LSQB":
                depth += 1
            elif kind == "RPAR" or kind == "RSQB":
                depth = max(depth - 1, 0)
            yield token


_PARSER = None

# The options gradcli/lang/lalr.py is generated with (grammar/generate_parser.py);
# tests/test_parser.py rebuilds a parser from grammar/gradcli.lark with them and compares.
PARSER_OPTIONS = dict(parser="lalr", lexer="basic", start="program", maybe_placeholders=True)


def parser():
    """The LALR parser, from the module Lark's stand-alone tool generated from the grammar:
    no grammar to compile at start-up, no cache to keep, and no import of lark itself."""
    global _PARSER
    if _PARSER is None:
        _PARSER = Lark_StandAlone(transformer=_make_builder(), postlex=BracketNewlines())
    return _PARSER


def parse(source: str) -> list[Statement]:
    """Parse a whole program. Raises InputError pointing at the first problem."""
    if source.startswith("\ufeff"):
        source = " " + source[1:]    # a BOM: blank it out, keeping every offset
    check_brackets(source)
    try:
        return parser().parse(source)
    except UnexpectedCharacters as e:
        raise _bad_character(source, e.pos_in_stream) from None
    except UnexpectedToken as e:
        raise _unexpected_token(source, e) from None
    except UnexpectedInput as e:
        raise InputError("the text could not be parsed", Span(e.pos_in_stream, e.pos_in_stream + 1)) from None
    except Exception as e:
        # Lark wraps errors from our callbacks (an over-large number) in VisitError.
        original = getattr(e, "orig_exc", None)
        if isinstance(original, InputError):
            raise original from None
        raise


# Deeper than this, nesting is no program anyone wrote: refused before the parser runs.
MAX_DEPTH = 100_000
_BRACKETS = re.compile(r"#[^\n]*|[()\[\]]")


def check_brackets(source: str) -> None:
    """Refuse absurdly deep brackets and a closer with nothing open in one linear scan, before
    the parser: it would read the whole text token by token (seconds and hundreds of
    megabytes for a megabyte of '(') to find the same fault. Which closer closes which opener
    is the parser's business; here a closer closes whatever is open, as `_unclosed_bracket`
    reads it."""
    openers = source.count("(") + source.count("[")
    if not openers and ")" not in source and "]" not in source:
        return
    if "#" not in source and openers <= MAX_DEPTH and \
            openers == source.count(")") + source.count("]"):
        return          # balanced counts and shallow: nothing the parser will be slow to find
    stack: list[int] = []
    for match in _BRACKETS.finditer(source):
        ch = match.group()
        if ch in "([":
            stack.append(match.start())
            if len(stack) > MAX_DEPTH:
                at = match.start()
                raise InputError(f"brackets nested more than {MAX_DEPTH:,} deep: gradcli refuses "
                                 "text this deep (no program needs it)", Span(at, at + 1))
        elif ch in ")]":
            if not stack:
                at = match.start()
                return _unmatched_closer(source, at)
            stack.pop()
    # Brackets left open at the end (at most MAX_DEPTH of them) are the parser's to word: it
    # says what was expected where the text stops.


def _unmatched_closer(source: str, at: int) -> None:
    """A closer with nothing open: its error, unless the parser finds an earlier fault in
    the text before it (which it reads at its usual cost: no more than the text)."""
    try:
        parser().parse(source[:at])
    except Exception:
        return          # the parse of the whole text reports the earlier fault
    raise InputError(f"unmatched {source[at]!r}: there is no opening bracket for it",
                     Span(at, at + 1))


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


LOOKALIKES = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-",
    "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2217": "*", "\u2022": "*",
    "\u00f7": "/", "\u2215": "/", "\u2044": "/",
    "\u00b2": "^2", "\u00b3": "^3", "\u00b9": "^1",
    "\u221a": "sqrt(...)", "\u03c0": "pi", "\u03c3": "sigmoid",
    "\u00a0": "a plain space", "\u2009": "a plain space", "\u202f": "a plain space",
    "\u3000": "a plain space", "\u200b": "nothing (it is invisible)",
    "\u2018": "nothing: gradcli has no strings", "\u2019": "nothing: gradcli has no strings",
    "\u201c": "nothing: gradcli has no strings", "\u201d": "nothing: gradcli has no strings",
    "\u2264": "'<='", "\u2265": "'>='",
}
# Cyrillic and Greek letters that look like Latin ones, as pasted from some keyboards and PDFs.
LOOKALIKES.update({cyr: lat for cyr, lat in zip("\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456"
                                             "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420"
                                             "\u0421\u0422\u0425\u03bf\u039f\u03bd",
                                             "aeopcxyiABEKMHOPCTXoOv")})


def _suggestion(ch: str) -> str | None:
    if ch in LOOKALIKES:
        return LOOKALIKES[ch]
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:     # fullwidth forms of ASCII
        return chr(code - 0xFEE0)
    digit = unicodedata.decimal(ch, None)     # ١ (Arabic-Indic one), ५ (Devanagari five)...
    if digit is not None:
        return str(digit)
    return None


def non_ascii_message(ch: str, where: str) -> str:
    """"non-ASCII character '١' (U+0661 ARABIC-INDIC DIGIT ONE) <where>; use '1'"."""
    try:
        label = unicodedata.name(ch)
    except ValueError:
        label = "unnamed"
    message = f"non-ASCII character {ch!r} (U+{ord(ch):04X} {label}) {where}"
    hint = _suggestion(ch)
    if hint:
        message += f"; use {hint!r}" if len(hint) <= 3 else f"; use {hint}"
    return message


def _bad_character(source: str, pos: int) -> InputError:
    ch = source[pos] if pos < len(source) else ""
    span = Span(pos, pos + 1)
    if "\udc80" <= ch <= "\udcff":     # a byte read_program could not decode as UTF-8
        return InputError(f"byte 0x{ord(ch) - 0xDC00:02X} is not UTF-8 text (outside a comment, "
                          "a program is ASCII; save the file as UTF-8)", span)
    if ch and not ch.isascii():
        return InputError(non_ascii_message(ch, "outside a comment"), span)
    if ch == "\\" and not source[pos + 1:].strip():
        return InputError("the program ends after a line continuation: a backslash at the end of "
                          "a line joins it to the next line, and there is none", span)
    if ch == "\\":
        return InputError("a backslash continues a line only at the end of the line", span)
    if ch in "'\"":
        return InputError("gradcli has no strings: quotes are not part of its language", span)
    if source.startswith("!=", pos):
        return InputError(_NO_EQUALITY, Span(pos, pos + 2))
    if ch == "=":
        return InputError(f"unexpected '=': {_NO_EQUALITY}", span)
    if ch.isprintable():
        return InputError(f"unexpected character {ch!r}", span)
    return InputError(f"unexpected control character U+{ord(ch):04X}", span)


_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['",
    "RSQB": "']'", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "POW": "'^'",
    "MATMUL": "'@'", "GT": "'>'", "LT": "'<'", "GE": "'>='", "LE": "'<='",
    "EQUAL": "'='", "COMMA": "','", "SEMICOLON": "';'", "_NEWLINE": "a new line",
    "COLON": "':'", "DOT": "'.'", "AUGOP": "'+='", "$END": "the end of the input",
    "IMPORT": "'import'", "AS": "'as'",
}

_COMPARISONS = {"GT", "LT", "GE", "LE"}
_NO_EQUALITY = "'==' and '!=' are not part of the language (its comparisons are >, <, >= and <=)"

PYTHON_KEYWORDS = {
    "def", "for", "while", "if", "elif", "else", "return", "lambda", "class", "with", "try",
    "except", "finally", "from", "global", "nonlocal", "pass", "break", "continue", "del",
    "assert", "yield", "raise", "async", "await", "and", "or", "not", "in", "is",
}


def _describe(token) -> str:
    if token.type == "$END":
        return "the end of the input"
    if token.type == "_NEWLINE":
        return "the end of the line"
    return repr(_short(str(token)))


def _unexpected_token(source: str, e) -> InputError:
    token = e.token
    expected = {t for t in e.expected if not t.startswith("__")}
    at_end = token.type == "$END"
    pos = len(source) if at_end else token.start_pos
    end = pos + 1 if at_end else max(token.end_pos, pos + 1)
    if token.type == "_NEWLINE":
        end = pos + 1
    span = Span(pos, end)

    keyword = None
    if token.type == "NAME" and str(token) in PYTHON_KEYWORDS:
        keyword = (str(token), span)
    elif not at_end:
        # `def f(x):`, `return x`, `if x:` parse their first word as a name and fail on the
        # next token, so the keyword is the word just before it.
        keyword = _keyword_before(source, pos)
    if keyword is not None:
        word, span = keyword
        if word == "from":
            return InputError("only 'import math' and 'import numpy as np' lines are accepted; "
                              "'from ... import' is not", span)
        return InputError(f"gradcli is not Python: '{word}' is not part of its language; a program is "
                          "expressions and assignments (name = expression), one per line or "
                          "separated by ';'", span)
    if str(token) == "=" and source[pos - 1:pos] == "=":
        return InputError(_NO_EQUALITY, Span(pos - 1, pos + 1))
    if str(token) == "=":
        return InputError("'=' assigns an expression to one plain name (name = expression); it "
                          "cannot follow a call or another assignment, and comparisons are "
                          ">, <, >= and <=", span)
    if str(token) == "," and not {"RPAR", "RSQB"} & expected:
        return InputError("a ',' separates the arguments of a call or the items of an array; "
                          "assign one name per statement (x = 1; y = 2)", span)
    if (at_end or token.type == "_NEWLINE") and "RPAR" in expected or "RSQB" in expected and at_end:
        opening = _unclosed_bracket(source, pos)
        if opening is not None:
            return InputError(f"'{source[opening]}' is never closed", Span(opening, opening + 1))
    opening = _unclosed_bracket(source, pos)
    if opening is not None and source.count("\n", opening, pos) and token.type not in (
            "RPAR", "RSQB"):
        # Inside brackets newlines do not end statements, so a bracket left open on an
        # earlier line surfaces as a strange token further down: name the bracket.
        line = source.count("\n", 0, opening) + 1
        return InputError(f"'{source[opening]}' on line {line} is never closed, so the lines after "
                          f"it are read as part of the same statement", Span(opening, opening + 1))
    if token.type in ("RPAR", "RSQB") and not {"RPAR", "RSQB"} & expected:
        if _unclosed_bracket(source, pos) is None:
            return InputError(f"unmatched {str(token)!r}: there is no opening bracket for it", span)
    wants_operand = {"NAME", "NUMBER", "LPAR"} <= expected
    if wants_operand:
        if at_end or token.type == "_NEWLINE":
            return InputError("the expression ends too early: an operand is missing here", span)
        return InputError(f"expected a number, a name or '(' here, not {_describe(token)}", span)
    if token.type in ("NAME", "NUMBER", "LPAR") and "PLUS" in expected:
        return InputError(f"unexpected {_describe(token)}: an operator (such as '*') or a new "
                          "statement is missing before it", span)
    if token.type in _COMPARISONS and not _COMPARISONS & expected:
        return InputError("comparisons do not chain (a < b < c means something else in Python): "
                          "write (a < b) * (b < c)", span)
    words = sorted({_WORDS.get(t, repr(t.lower())) for t in expected})
    listing = ", ".join(words[:6]) + (", …" if len(words) > 6 else "")
    return InputError(f"unexpected {_describe(token)}; expected {listing}", span)


def _unclosed_bracket(source: str, limit: int) -> int | None:
    """Offset of the innermost bracket still open at `limit`, skipping comments."""
    stack = []
    i = 0
    while i < limit and i < len(source):
        ch = source[i]
        if ch == "#":
            newline = source.find("\n", i)
            i = len(source) if newline == -1 else newline
            continue
        if ch in "([":
            stack.append(i)
        elif ch in ")]" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _keyword_before(source: str, pos: int) -> tuple[str, Span] | None:
    """The Python keyword that ends just before `pos` (spaces between), with its span."""
    end = pos
    while end > 0 and source[end - 1] in " \t\f":
        end -= 1
    start = end
    while start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_") \
            and source[start - 1].isascii():
        start -= 1
    word = source[start:end]
    if word in PYTHON_KEYWORDS and (start == 0 or source[start - 1] != "."):
        return word, Span(start, end)
    return None
