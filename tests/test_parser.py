"""lang/syntax, the language's surface: numbers, names, precedence, statements and layout,
imports and module prefixes, comparisons, and every syntax error with its caret, as the
error renders it and as the command line prints it."""

from __future__ import annotations

import pytest
from _helpers import run_cli

import gradcli
from gradcli.cli import main
from gradcli.errors import GradcliError, InputError
from gradcli.lang.printer import to_text
from gradcli.lang.resolve import evaluate_constant
from gradcli.lang.syntax import parse


def expr_of(source: str):
    statements = parse(source)
    assert len(statements) == 1 and statements[0].kind == "expr"
    return statements[0].expr


def shape(expr) -> str:
    """The tree fully parenthesised, so precedence is visible in one string."""
    if expr.kind == "number":
        return repr(expr.value)
    if expr.kind == "name":
        return expr.name
    if expr.kind == "call":
        return f"{shape(expr.args[0])}({', '.join(shape(a) for a in expr.args[1:])})"
    if expr.kind == "attr":
        return f"{shape(expr.args[0])}.{expr.name}"
    return f"{expr.kind}({', '.join(shape(a) for a in expr.args)})"


def error_of(source: str, **bindings) -> GradcliError:
    with pytest.raises(GradcliError) as info:
        gradcli.grad(source, **bindings)
    return info.value


# ------------------------------------------------------------------ numbers and names

@pytest.mark.parametrize("text, value", [
    ("3", 3.0), ("0.5", 0.5), (".5", 0.5), ("1e-3", 1e-3), ("2.5E+3", 2500.0), ("3.", 3.0),
    ("1E5", 1e5), ("007", 7.0), ("0.1", 0.1),
])
def test_numbers(text, value):
    expr = expr_of(text)
    assert expr.kind == "number" and expr.value == value
    assert (expr.start, expr.end) == (0, len(text))


@pytest.mark.parametrize("name", ["x", "w0", "x_1", "theta", "_t", "X2y"])
def test_names(name):
    expr = expr_of(name)
    assert expr.kind == "name" and expr.name == name


# ------------------------------------------------------------------ precedence

@pytest.mark.parametrize("source, tree", [
    ("-x^2", "neg(pow(x, 2.0))"),
    ("-x**2", "neg(pow(x, 2.0))"),
    ("2^-1", "pow(2.0, neg(1.0))"),
    ("2**-x", "pow(2.0, neg(x))"),
    ("a^b^c", "pow(a, pow(b, c))"),
    ("a**b**c", "pow(a, pow(b, c))"),
    ("a^b**c", "pow(a, pow(b, c))"),
    ("a-b-c", "sub(sub(a, b), c)"),
    ("a/b/c", "div(div(a, b), c)"),
    ("a+b*c", "add(a, mul(b, c))"),
    ("(a+b)*c", "mul(add(a, b), c)"),
    ("-a*b", "mul(neg(a), b)"),
    ("--a", "neg(neg(a))"),
    ("+a-b", "sub(pos(a), b)"),
    ("a*-b", "mul(a, neg(b))"),
    ("2*x^3", "mul(2.0, pow(x, 3.0))"),
    ("-2^2", "neg(pow(2.0, 2.0))"),
    ("exp(x)^2", "pow(exp(x), 2.0)"),
    ("math.exp(-x)", "math.exp(neg(x))"),
])
def test_precedence(source, tree):
    assert shape(expr_of(source)) == tree


def test_caret_is_power_never_xor():
    assert gradcli.grad("2^3").value == 8.0          # XOR would give 1
    assert gradcli.grad("2^3^2").value == 512.0      # right-associative: 2^(3^2)
    assert gradcli.grad("-x^2", x=3).value == -9.0
    assert gradcli.grad("2^-1").value == 0.5


# ------------------------------------------------------------------ statements and layout

def test_newlines_inside_brackets_continue_the_line():
    statements = parse("y = (x +\n  1)\nz = max(y,\n\n  2)\n")
    assert [s.name for s in statements] == ["y", "z"]
    assert gradcli.grad("y = (x +\n  1)\nz = max(y,\n\n  2)\n", x=5).value == 6.0


def test_backslash_continues_a_line():
    assert [s.name for s in parse("y = x + \\\n    1\nz = y")] == ["y", "z"]
    assert gradcli.grad("y = x + \\\n 1", x=1).value == 2.0


def test_backslash_not_at_end_of_line():
    error = error_of("x \\ y", x=1)
    assert "backslash" in error.message and error.line_column == (1, 3)


def test_semicolons_and_a_trailing_semicolon():
    assert [s.name for s in parse("x = 2; y = x*3;")] == ["x", "y"]
    assert [s.name for s in parse("x = 2;;\n;y = x")] == ["x", "y"]
    assert gradcli.grad("x = 2; y = x*3;").value == 6.0


def test_comments_with_any_text():
    source = "x = 2  # ここはコメント: σ(x) × −1 ÷ ² √ [bold] \x7f\ny = x^2  # 二乗 😀\n# 終わり"
    result = gradcli.grad(source)
    assert (result.value, result.gradients) == (4.0, {"x": 4.0})


def test_crlf_line_endings():
    result = gradcli.grad("x = 1\r\ny = x * 2 # c\r\nz = (y +\r\n 1)\r\n")
    assert (result.value, result.gradients) == (3.0, {"x": 2.0})


def test_utf8_bom_is_tolerated_and_keeps_offsets():
    statements = parse("\ufeffx = 1\ny = x*3")
    assert statements[0].name_start == 1      # the BOM still counts as one character
    assert gradcli.grad("\ufeffx = 1\ny = x*3").value == 3.0
    error = error_of("\ufeffy = x +")
    assert error.line_column == (1, 9)


def test_blank_lines_and_indentation():
    assert gradcli.grad("\n\n   x = 2\n\n\t y = x*x\n\n").value == 4.0


# ------------------------------------------------------------------ imports and prefixes

@pytest.mark.parametrize("line", ["import math", "import numpy as np", "import numpy"])
def test_accepted_imports(line):
    assert gradcli.grad(f"{line}\ny = x + 1", x=1).value == 2.0


@pytest.mark.parametrize("line", ["import os", "import math as m", "import numpy as npy",
                                  "import os.path", "import sys"])
def test_other_imports_are_refused(line):
    error = error_of(f"{line}\ny = x + 1", x=1)
    assert isinstance(error, InputError)
    assert "only 'import math' and 'import numpy as np'" in error.message
    assert error.line_column[0] == 1


def test_from_import_is_refused():
    error = error_of("from math import exp\nexp(x)", x=1)
    assert "'from ... import' is not" in error.message
    assert error.line_column == (1, 1)


@pytest.mark.parametrize("source", ["math.exp(x)", "np.exp(x)", "numpy.exp(x)", "exp(x)"])
def test_module_prefixes_on_functions(source):
    assert gradcli.grad(source, x=0).value == 1.0


@pytest.mark.parametrize("source, value", [("math.pi", 3.141592653589793), ("np.e", 2.718281828459045),
                                           ("numpy.pi", 3.141592653589793), ("pi", 3.141592653589793)])
def test_module_prefixes_on_constants(source, value):
    assert gradcli.grad(f"x * {source}", x=1).value == value


def test_aliases_ln_and_pow():
    assert gradcli.grad("ln(x)", x=1).value == 0.0
    assert gradcli.grad("pow(x, 3)", x=2).gradients == {"x": 12.0}


def test_unknown_prefixed_constant():
    error = error_of("math.tau * x", x=1)
    assert "math.tau" in error.message and error.line_column == (1, 6)


# ------------------------------------------------------------------ comparisons

@pytest.mark.parametrize("text, value", [
    ("2 > 1", 1.0), ("1 > 2", 0.0), ("1 > 1", 0.0), ("1 >= 1", 1.0), ("1 < 2", 1.0),
    ("2 <= 1", 0.0), ("1 + 1 > 1", 1.0), ("(1 > 0) * 3", 3.0), ("-(2 < 1)", 0.0),
    ("(1 > 0) - (1 < 0)", 1.0), ("(1 < 2) < 1", 0.0),
])
def test_comparisons_as_python_has_them(text, value):
    (statement,) = parse(text)
    assert evaluate_constant(statement.expr) == value
    assert float(eval(text)) == value
    # Printed back, the text parses to the same value (comparisons never print as a chain).
    (again,) = parse(to_text(statement.expr))
    assert evaluate_constant(again.expr) == value


def test_comparisons_do_not_chain():
    with pytest.raises(InputError) as caught:
        parse("x < y < z")
    assert caught.value.span.start == 6
    assert to_text(parse("(x < y) < z")[0].expr) == "(x < y) < z"
    assert to_text(parse("x < (y < z)")[0].expr) == "x < (y < z)"


# ------------------------------------------------------------------ syntax errors

def rendered(source: str, **bindings) -> tuple[str, GradcliError]:
    error = error_of(source, **bindings)
    assert error.exit_code == 2
    return error.render(), error


def caret_under(text: str) -> tuple[str, str]:
    """The source line and caret line of a rendered error."""
    lines = text.split("\n")
    return lines[-2][4:], lines[-1][4:]


def test_unclosed_bracket_points_at_the_opening():
    text, error = rendered("y = exp((x + 1)\n", x=1)
    assert "'(' is never closed" in error.message
    assert error.line_column == (1, 8)
    assert caret_under(text) == ("y = exp((x + 1)", "       ^")


def test_unclosed_bracket_on_an_earlier_line():
    text, error = rendered("x = 1\ny = (x +\n1")
    assert error.message == "'(' is never closed"
    assert error.line_column == (2, 5)
    assert "line 2, column 5" in text


def test_unmatched_closing_bracket():
    text, error = rendered("x + 1)", x=1)
    assert "unmatched ')'" in error.message
    assert caret_under(text) == ("x + 1)", "     ^")


@pytest.mark.parametrize("source, column", [("x +", 4), ("x * (", 6), ("y = ", 5), ("x ^", 4)])
def test_missing_operand(source, column):
    _, error = rendered(source, x=1)
    assert "operand is missing" in error.message
    assert error.line_column == (1, column)


def test_missing_operand_before_a_closing_bracket():
    _, error = rendered("exp(x + )", x=1)
    assert "expected a number, a name or '(' here, not ')'" in error.message
    assert error.line_column == (1, 9)


@pytest.mark.parametrize("source, column", [("x y", 3), ("3 4", 3), ("2 x", 3), ("x = 1 2", 7)])
def test_two_operands_without_an_operator(source, column):
    text, error = rendered(source, x=1, y=1)
    assert "an operator (such as '*')" in error.message
    assert error.line_column == (1, column)
    assert caret_under(text)[1] == " " * (column - 1) + "^"


@pytest.mark.parametrize("source, word, column", [
    ("def f(x): return x", "def", 1),
    ("lambda x: x", "lambda", 1),
    ("return x", "return", 1),
    ("for i in x", "for", 1),
    ("while x", "while", 1),
    ("if x", "if", 1),
    ("x if y else z", "if", 3),
    ("not x", "not", 1),
    ("x and y", "and", 3),
    ("y = x or 1", "or", 7),
    ("a = 1; del a", "del", 8),
])
def test_python_keywords(source, word, column):
    text, error = rendered(source, x=1)
    assert f"gradcli is not Python: '{word}'" in error.message
    assert error.line_column == (1, column)
    assert caret_under(text)[1] == " " * (column - 1) + "^" * len(word)


def test_print_gets_a_hint():
    text, error = rendered("x = 2\nprint(x)")
    assert "print is not needed" in error.message
    assert error.line_column == (2, 1)
    assert caret_under(text) == ("print(x)", "^^^^^")


@pytest.mark.parametrize("char, suggestion", [
    ("\u2212", "'-'"), ("\u00d7", "'*'"), ("\u00b7", "'*'"), ("\u00f7", "'/'"), ("\u2013", "'-'"),
    ("\u00b2", "'^2'"), ("\u221a", "sqrt(...)"), ("\uff0b", "'+'"), ("\uff0a", "'*'"),
    ("\u00a0", "a plain space"),
])
def test_non_ascii_lookalikes_suggest_ascii(char, suggestion):
    source = f"y = x {char} 2" if char not in "\u00b2\u221a" else f"y = x{char}"
    text, error = rendered(source, x=1)
    assert "non-ASCII character" in error.message
    assert f"U+{ord(char):04X}" in error.message
    assert error.message.endswith(f"use {suggestion}")
    where = source.index(char)
    assert error.line_column == (1, where + 1)
    assert caret_under(text)[1].startswith(" " * where + "^")


def test_fullwidth_letter_is_named_and_suggested():
    _, error = rendered("\uff58 + 1")
    assert "FULLWIDTH LATIN SMALL LETTER X" in error.message and error.message.endswith("use 'x'")


def test_other_non_ascii_is_named_without_a_suggestion():
    _, error = rendered("y = x \u2603 2", x=1)
    assert "U+2603 SNOWMAN" in error.message and "use" not in error.message


def test_non_ascii_names_are_refused():
    _, error = rendered("θ = 1")
    assert "GREEK SMALL LETTER THETA" in error.message


def test_caret_counts_wide_characters_as_two_cells():
    text, _ = rendered("ｘ＋1")
    assert caret_under(text)[1] == "^^"


@pytest.mark.parametrize("source", ["x \x1b[31m", "x\x07 + 1", "x + 1\x00", "x +# \x1b[2J\n"])
def test_control_characters_are_never_echoed_raw(source):
    text, error = rendered(source, x=1)
    for ch in "\x1b\x07\x00":
        assert ch not in text
    assert error.line_column is not None


def test_control_character_is_named():
    _, error = rendered("x \x1b", x=1)
    assert "control character U+001B" in error.message


def test_strings_are_not_part_of_the_language():
    assert "no strings" in rendered("'a'")[1].message


def test_equality_is_not_a_comparison_gradcli_has():
    _, error = rendered("x == 1", x=1)
    assert error.line_column == (1, 3)


def test_error_render_has_line_and_caret():
    text, _ = rendered("x = 1\ny = x +\n")
    lines = text.split("\n")
    assert lines[0].startswith("error: ")
    assert lines[1] == "  at line 2, column 8:"
    assert lines[2] == "    y = x +"
    assert lines[3] == "           ^"


def test_a_huge_literal_is_refused_quickly_with_a_short_caret():
    text, error = rendered("1" * 5000)
    assert "too large for a float64" in error.message
    assert max(len(line) for line in text.split("\n")) < 400


def test_array_forms_on_a_number_are_refused_at_their_place():
    # Arrays are a language of their own (tests/test_arrays_*.py); on a scalar they are errors.
    for source in ("x[1]", "max(*x)"):
        error = error_of(source, x=1)
        assert error.exit_code == 2 and error.line_column is not None, source


def test_augmented_assignment_is_refused():
    _, error = rendered("x = 1\nx += 1")
    assert "'+='" in error.message and error.line_column == (2, 1)


# ------------------------------------------------------------------ on the command line

def test_an_unclosed_bracket_is_named_where_it_opens(capsys):
    status = main(["x = 3\ny = (x *\n  2\nz = 4\nf = y+z"])
    err = capsys.readouterr().err.splitlines()
    assert status == 2
    assert err[0] == ("error: '(' on line 2 is never closed, so the lines after it are read as "
                      "part of the same statement")
    assert err[1] == "  at line 2, column 5:"
    assert err[3] == "        ^"


@pytest.mark.parametrize("program,words,column", [
    ("f(x) = x^2", "'=' assigns an expression to one plain name", 6),
    ("f = pi = 3", "'=' assigns an expression to one plain name", 8),
    ("x, y = 1, 2", "assign one name per statement", 2),
    ("\u0445*2", "use 'x'", 1),           # a Cyrillic letter that looks like x
])
def test_almost_python_gets_a_plain_reason(program, words, column, capsys):
    assert main([program, "x=1"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert words in err[0]
    assert f"column {column}:" in err[1]


def test_a_backslash_at_the_very_end_of_the_program():
    result = run_cli("x*y \\", "x=1", "y=2")
    assert result.code == 2
    assert "the program ends after a line continuation" in result.err
    assert "at line 1, column 5" in result.err
    assert "only at the end of the line" in run_cli("x \\ + y", "x=1", "y=2").err


@pytest.mark.parametrize("program, message, column, width", [
    ("x < y < 1", "comparisons do not chain", 7, 1),
    ("x >= y >= 1", "comparisons do not chain", 8, 2),
    ("x == y", "'==' and '!=' are not part of the language", 3, 2),
    ("f = x != y", "'==' and '!=' are not part of the language", 7, 2),
    ("x > ", "an operand is missing", 5, 1),
])
def test_comparison_errors_point_at_the_operator(program, message, column, width, capsys):
    status = main([program, "x=1", "y=2"])
    err = capsys.readouterr().err
    assert status == 2 and message in err
    assert f"at line 1, column {column}:" in err
    assert err.splitlines()[-1] == " " * (4 + column - 1) + "^" * width


# ------------------------------------------------------------------ the generated parser

def test_the_generated_parser_is_the_grammars():
    """gradcli/lang/lalr.py (Lark's stand-alone tool) has grammar/gradcli.lark's terminals,
    ignored terminals and rules; python grammar/generate_parser.py regenerates it."""
    lark = pytest.importorskip("lark", reason="lark (the test extra) rebuilds the grammar")
    from gradcli.lang import lalr
    from gradcli.lang.syntax import PARSER_OPTIONS, grammar_path

    with open(grammar_path(), encoding="utf-8") as f:
        reference = lark.Lark(f.read(), **PARSER_OPTIONS)
    generated = lalr.Lark_StandAlone()

    def terminals(p):
        return {(t.name, type(t.pattern).__name__, t.pattern.value, tuple(t.pattern.flags),
                 t.priority) for t in p.terminals}

    def rules(p):
        return {(r.origin.name, tuple(s.name for s in r.expansion), r.alias, r.order,
                 r.options.keep_all_tokens, r.options.expand1,
                 tuple(r.options.empty_indices or ())) for r in p.rules}

    assert terminals(generated) == terminals(reference)
    assert set(generated.lexer_conf.ignore) == set(reference.lexer_conf.ignore)
    assert rules(generated) == rules(reference)


@pytest.mark.parametrize("source", ["(x+y)*z", "a = -x^2**-1; b = a[1:, 0] @ W.T\n",
                                    "import numpy as np\nf = np.exp(x, axis=0)\n",
                                    "y = (1, 2)\n\n# c\nz = [\n 1,\n 2]\n", "x +", "x )"])
def test_the_generated_parser_reads_as_the_grammar_does(source):
    lark = pytest.importorskip("lark", reason="lark (the test extra) rebuilds the grammar")
    from gradcli.lang import syntax

    with open(syntax.grammar_path(), encoding="utf-8") as f:
        reference = lark.Lark(f.read(), **syntax.PARSER_OPTIONS,
                              postlex=syntax.BracketNewlines())
    tokens = [(t.type, str(t), t.start_pos) for t in reference.lex(source)]
    try:
        ours = repr(syntax.parse(source))
    except syntax.InputError as error:
        ours = ("error", error.message, error.span)
    try:
        theirs = reference.parse(source)
    except lark.exceptions.UnexpectedInput:
        theirs = None
    assert (theirs is None) == isinstance(ours, tuple)
    assert [(t.type, str(t), t.start_pos) for t in syntax.parser().lex(source)] == tokens
