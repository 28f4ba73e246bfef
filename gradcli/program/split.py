"""Where a program's backward pass starts: shared by `gradcli verify` and every computation.

A file in the style of the CS231n note holds a forward pass and then a backward
pass. The backward part starts at the first `+=` or at the first assignment to
a gradient name: `d<name>` or `d<out>d<name>` (`dx`, `dfdq`) for a name seen
before; code from `--format python` for a program with its own `dx` names
gradients `d_x` (or `grad_x`) and seeds the output first (`f = ...` then
`d_f = 1.0`). Kept small and free of heavy imports: the one-liner runs it on
every program, so that a pasted backward pass is not silently differentiated.
"""

from __future__ import annotations

from gradcli.errors import InputError, Span
from gradcli.lang.expr import walk
from gradcli.lang.resolve import check_import, is_variable

GRADIENT_PREFIXES = ("d", "d_", "grad_", "grad__")


def gradient_prefix(names) -> str:
    """'d', unless some d<name> is already a variable of the program."""
    existing = {n for n in names if n is not None}
    for prefix in GRADIENT_PREFIXES[:-1]:
        if not any(prefix + n in existing for n in existing):
            return prefix
    return GRADIENT_PREFIXES[-1]


def gradient_target(variable: str, names, output: str | None, loose: bool = False,
                    prefix: str = "d") -> str | None:
    """x for dx; q for dfdq when the output is f. `loose`: any d<A>d<B> of known names (the split).
    Another prefix (d_x, grad_x) has only the one form."""
    if prefix != "d":
        rest = variable[len(prefix):]
        return rest if variable.startswith(prefix) and rest in names else None
    if len(variable) < 2 or variable[0] != "d":
        return None
    if variable[1:] in names:
        return variable[1:]
    candidates = [output] if output is not None else [n for n in names if variable[1:].startswith(n)]
    for out in candidates:
        if out is None:
            continue
        prefix = "d" + out + "d"
        if variable.startswith(prefix) and variable[len(prefix):] in names:
            if loose or output is not None:
                return variable[len(prefix):]
    return None


def known_before(statements):
    """(index, statement, names assigned or read before it, the gradient prefix those names
    leave free), in order. The prefix is kept up to date name by name (not recomputed from
    all names at every statement), so a long program costs linear time."""
    known: set[str] = set()
    taken = [False] * (len(GRADIENT_PREFIXES) - 1)     # some prefix + name is itself a name

    def add(name: str) -> None:
        if name in known:
            return
        known.add(name)
        for k, p in enumerate(GRADIENT_PREFIXES[:-1]):
            if not taken[k] and (p + name in known
                                 or (name.startswith(p) and name[len(p):] in known)):
                taken[k] = True

    for index, statement in enumerate(statements):
        free = next((p for k, p in enumerate(GRADIENT_PREFIXES[:-1]) if not taken[k]),
                    GRADIENT_PREFIXES[-1])
        yield index, statement, known, free
        if statement.kind in ("assign", "expr"):
            for expr in walk(statement.expr):
                if is_variable(expr):
                    add(expr.name)
        if statement.kind == "assign":
            add(statement.name)


def is_backward_line(statement, known, prefix: str = "d") -> bool:
    """A '+=' or the first assignment to a gradient of a known name."""
    if statement.kind == "augassign":
        return True
    return statement.kind == "assign" and statement.name not in known \
        and gradient_target(statement.name, known, None, loose=True, prefix=prefix) is not None


def backward_start(statements) -> tuple[int, str] | None:
    """(index of the first backward statement, the gradient prefix), or None: no backward pass."""
    # `--format python` code for a program with its own dx: its backward pass starts by seeding
    # the output, the name assigned just before (`f = ...` then `d_f = 1.0`).
    previous = None
    for index, statement, known, prefix in known_before(statements):
        if statement.kind != "assign":
            continue
        if prefix != "d" and previous is not None and statement.name == prefix + previous \
                and statement.name not in known:
            return index, prefix
        previous = statement.name
    for index, statement, known, _ in known_before(statements):
        if is_backward_line(statement, known):
            return index, "d"
    return None


def forward_part(statements, output: str | None, filename: str | None, reject: bool = False):
    """The statements to differentiate: the forward pass alone when `output` names one of its
    values (so its '+=' lines do not stop the lowering). With `reject`, a program that ends in
    a backward pass (the note's code pasted whole) is an error pointing at the backward pass's
    first line; without it (the Python API, which may run the note's whole block to read its
    gradient variables), it is differentiated as it is."""
    found = backward_start(statements)
    if found is None:
        return statements
    cut, prefix = found
    forward = statements[:cut]
    if output is not None:
        if any(s.kind == "assign" and s.name == output for s in forward):
            return forward
        return statements
    if not reject:
        return statements
    body = [s for s in statements if s.kind != "import"]
    last = body[-1] if body else None
    ends_backward = any(s.kind == "augassign" for s in statements[cut:]) or (
        last is not None and any(s is last and is_backward_line(s, known, prefix)
                                 for _, s, known, _ in known_before(statements)))
    if not ends_backward:
        return statements       # x = 1; dx = 0.1; f = x + dx: a forward program using a dx
    start = statements[cut]
    names = [s.name for s in forward if s.kind == "assign"]
    where = f"gradcli verify {filename}" if filename and filename != "<stdin>" else \
        "gradcli verify FILE"
    alone = f"--output {names[-1]}" if names else "--output NAME"
    raise InputError(f"this line starts a backward pass ({start.name} is a gradient): check it "
                     f"with '{where}', or differentiate the forward pass alone with {alone}",
                     Span(start.start, start.end))


def find_backward(statements) -> tuple[int, str]:
    """(index of the first backward statement, the gradient prefix) of a file that must hold
    a backward pass (`gradcli verify`)."""
    found = backward_start(statements)
    if found is None:
        raise InputError("no backward pass found: it starts at the first assignment to a "
                         "gradient name (dx, or dfdx for an output f) or the first '+='")
    cut = found[0]
    if not any(s.kind in ("assign", "expr") for s in statements[:cut]):
        raise InputError("the forward pass is empty: the file starts with the backward pass",
                         Span(statements[cut].start, statements[cut].end))
    return found


def backward_statements(statements, cut: int) -> list:
    """The backward pass's statements from index `cut`, imports checked as the forward pass's
    are (a stray `import os` is refused, not skipped) and then left out."""
    for statement in statements[cut:]:
        if statement.kind == "import":
            check_import(statement)
    return [s for s in statements[cut:] if s.kind != "import"]
