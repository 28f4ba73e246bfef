"""`gradcli diff`: the symbolic derivative of the output with respect to each input."""

from __future__ import annotations

import click

from gradcli.cli import emit, split_program
from gradcli.errors import GradcliError, InputError


@click.command(name="diff", context_settings={"help_option_names": ["-h", "--help"], "ignore_unknown_options": True,
                                               "max_content_width": 80})
@click.argument("words", nargs=-1, metavar="[EXPR]")
@click.option("-f", "--file", type=str, metavar="PATH",
              help="Read the program from a file ('-' for standard input).")
@click.option("--wrt", metavar="NAME[,NAME...]",
              help="Only these inputs or named intermediates (default: every input).")
@click.option("--output", "output_name", metavar="NAME",
              help="Differentiate this named value instead of the last statement.")
@click.option("--format", "format_", type=click.Choice(["text", "latex"]), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False),
              help="Write the result to this file instead of standard output.")
def diff_command(words, file, wrt, output_name, format_, out):
    """Print ∂f/∂x as an expression for each input x, built by reverse
    accumulation over the op table's symbolic rules and simplified. The text
    parses back: gradcli can evaluate it.

    \b
    Examples:
      gradcli diff '(x+y)*z'
      gradcli diff 'relu(w*x + b)' --wrt w
      gradcli diff 'sigmoid(x) * x^2' --format latex

    Exit status: 0 ok; 2 bad input.
    """
    from gradcli.graph import lower
    from gradcli.printer import to_text
    from gradcli.symbolic import derivatives, named_nodes
    from gradcli.syntax import parse

    from gradcli.cli_graph import reject_unknown_options

    reject_unknown_options(words, diff_command)
    text, filename, tokens = split_program(file, words)
    if tokens:
        raise InputError(f"gradcli diff takes no values ({tokens[0]!r}): the derivative is "
                         "symbolic; evaluate it with gradcli itself")
    from gradcli.graph import NeedsArrays
    from gradcli.scalar_only import refuse_arrays

    try:
        graph = lower(parse(text), text, filename, output_name)
        nodes = named_nodes(graph)
        wanted = [name.strip() for name in wrt.split(",") if name.strip()] if wrt \
            else list(graph.inputs)
        for name in wanted:
            if name not in nodes:
                known = ", ".join(nodes) or "none"
                raise InputError(f"--wrt: {name!r} is not an input or a named value of the "
                                 f"program (those are: {known})")
        inputs = [name for name in wanted if name in graph.inputs]
        inner = [name for name in wanted if name not in graph.inputs]
        output, by_input = derivatives(graph, wrt=inputs)
        # With respect to an intermediate: written in the inputs and the named intermediates,
        # since ∂f/∂q holds the rest of the program fixed at q's value.
        by_name = derivatives(graph, keep_names=True, wrt=inner)[1] if inner else {}
    except NeedsArrays as needs:
        raise refuse_arrays("gradcli diff", source=text, span=needs.span) from None
    except GradcliError as error:
        raise error.with_source(text, filename)
    result = {name: by_input.get(name, by_name.get(name)) for name in wanted}
    out_name = graph.names[graph.output] or ("out" if "f" in graph.names else "f")
    used = intermediates_used(graph, nodes, list(by_name.values()))
    if format_ == "latex":
        from gradcli.render.latex import latex_name, to_latex

        f = latex_name(out_name)
        lines = [r"\begin{align*}"]
        lines += [rf"{latex_name(name)} &= {to_latex(definition)} \\"
                  for name, definition in used]
        lines.append(rf"{f} &= {to_latex(output)} \\")
        for name, derivative in result.items():
            lines.append(rf"\frac{{\partial {f}}}{{\partial {latex_name(name)}}} &= "
                         rf"{to_latex(derivative)} \\")
        lines[-1] = lines[-1].removesuffix(r" \\")
        lines.append(r"\end{align*}")
        if not graph.inputs:
            lines.append(f"% {NO_INPUTS}")
    else:
        lines = [wrap(f"{name} = ", to_text(definition)) for name, definition in used]
        lines.append(wrap(f"{out_name} = ", to_text(output)))
        lines += [wrap(f"∂{out_name}/∂{name} = ", to_text(derivative))
                  for name, derivative in result.items()]
        if not graph.inputs:
            lines.append(f"# {NO_INPUTS}")
    emit("\n".join(lines) + "\n", "text", out, "never")


NO_INPUTS = "the program has no inputs: it is a constant, with nothing to differentiate"


def intermediates_used(graph, nodes, derivatives) -> list:
    """(name, definition) for each named intermediate the derivatives are written in, in
    program order, each defined in the inputs and the earlier named intermediates."""
    from gradcli.symbolic import node_expressions

    names = set()
    for root in derivatives:
        stack = [root]
        while stack:
            expr = stack.pop()
            if expr.kind == "name" and expr.name in nodes and expr.name not in graph.inputs:
                names.add(expr.name)
            stack.extend(expr.args)
    if not names:
        return []
    from gradcli.expr import Expr
    from gradcli.graph import IDENTITY

    exprs = node_expressions(graph, keep_names=True)
    used = []
    for name in sorted(names, key=nodes.get):
        node = nodes[name]
        # Its own definition: the node's op over its arguments, those written by their names.
        op = graph.ops[node]
        args = [exprs[a] for a in graph.args(node)]
        definition = args[0] if op is IDENTITY else Expr(op.name, tuple(args))
        used.append((name, definition))
        names.update(n for n in _names_in(definition) if n in nodes and n not in graph.inputs)
    return used


def _names_in(root):
    stack = [root]
    while stack:
        expr = stack.pop()
        if expr.kind == "name":
            yield expr.name
        stack.extend(expr.args)


WIDTH = 80
INDENT = "    "
# Where a line may break, and how loosely each binds (a break at + or - reads best).
_BREAKS = {" + ": 0, " - ": 0, ", ": 0, " * ": 1, " / ": 1}


def wrap(prefix: str, text: str, width: int = WIDTH) -> str:
    """prefix + text, broken before an operator (after a comma) to fit `width` columns.

    Continuation lines are indented; a break outside brackets ends its line with a
    backslash, so the expression, copied, still parses (a newline inside brackets needs none).
    """
    if len(prefix) + len(text) <= width:
        return prefix + text
    depth = 0
    candidates = []         # (index where the next line starts, bracket depth, binding)
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        for token, binding in _BREAKS.items():
            if text.startswith(token, i):
                cut = i + (len(token) - 1 if token == ", " else 0)
                candidates.append((cut, depth, binding))
    lines, start, room = [], 0, width - len(prefix)
    while len(text) - start > room:
        # The shallowest, loosest break past the line's first third (the furthest), else the
        # furthest that fits: a break between big terms reads better than one deep inside.
        fitting = [c for c in candidates
                   if start < c[0] and c[0] - start + (0 if c[1] else 2) <= room]
        late = [c for c in fitting if c[0] - start >= room // 3]
        best = min(late, key=lambda c: (c[1], c[2], -c[0])) if late else \
            (fitting[-1] if fitting else None)
        if best is None:                        # nothing fits: the first break after it
            best = next((c for c in candidates if c[0] > start), None)
            if best is None:
                break
        cut, depth = best[0], best[1]
        lines.append(text[start:cut].rstrip() + ("" if depth else " \\"))
        start = cut + 1 if text[cut] == " " else cut
        room = width - len(INDENT)
    lines.append(text[start:])
    return prefix + ("\n" + INDENT).join(lines)
