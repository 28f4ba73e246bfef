"""The words of a command line: the program (an expression, -f FILE or piped standard input)
and NAME=VALUE bindings."""

from __future__ import annotations

import re

from gradcli.cli.io import read_program, read_stdin, stdin_is_piped
from gradcli.compute import parse_binding_value, read_array
from gradcli.errors import GradcliError, InputError

BINDING = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)([^=;\n]*)\Z")


def parse_bindings(tokens) -> dict:
    """NAME=VALUE words as values: a number, a constant expression (t=pi/2), an array literal,
    or @FILE for an array read from a .npy, .csv or .json file."""
    bindings: dict = {}
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
                bindings[name] = read_array(text[1:].strip())
            else:
                bindings[name] = parse_binding_value(text)
        except GradcliError as error:
            error.message = f"in the value of {name}: {error.message}"
            raise
    return bindings


def binding_texts(tokens) -> dict[str, str]:
    """Each binding's value as typed (--exact reads x=0.1 as exactly 1/10)."""
    texts = {}
    for token in tokens:
        match = BINDING.match(token)
        if match and not match.group(2).strip().startswith("@"):
            texts[match.group(1)] = match.group(2).strip()
    return texts


def upstream_value(upstream: str):
    """--upstream: ones, randn, or an array file (with its name, for messages)."""
    if upstream in ("ones", "randn"):
        return upstream
    return read_array(upstream), upstream


def split_program(file, words) -> tuple[str, str | None, list[str]]:
    """(program text, file name, binding tokens) from -f, the words, or piped stdin."""
    if file is not None:
        text, name = read_program(file)
        return text, name, list(words)
    first_is_binding = bool(words) and BINDING.match(words[0]) is not None
    if (not words or first_is_binding) and stdin_is_piped():
        text = read_stdin()
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


def parse_direction(text: str) -> dict[str, float]:
    """--hvp's direction: NAME=VALUE pairs separated by commas (x=1,y=-2; a value may be a
    constant expression, x=pi/2, whose own commas sit inside brackets)."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    pieces = [p.strip() for p in pieces if p.strip()]
    if not pieces:
        raise InputError("--hvp needs a direction: NAME=VALUE pairs separated by commas, like "
                         "--hvp x=1,y=0")
    try:
        direction = parse_bindings(pieces)
    except GradcliError as error:
        error.message = f"--hvp: {error.message}"
        raise
    for name, value in direction.items():
        if not isinstance(value, float):
            raise InputError(f"--hvp: the direction's {name} must be a number, not an array")
    return direction
