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
@click.option("--wrt", metavar="NAME[,NAME...]", help="Only these inputs (default: every input).")
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
    """
    from gradcli.graph import lower
    from gradcli.printer import to_text
    from gradcli.symbolic import derivatives
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
        output, result = derivatives(graph)
    except NeedsArrays as needs:
        raise refuse_arrays("gradcli diff", source=text, span=needs.span) from None
    except GradcliError as error:
        raise error.with_source(text, filename)
    if wrt:
        wanted = [name.strip() for name in wrt.split(",") if name.strip()]
        for name in wanted:
            if name not in result:
                known = ", ".join(result) or "none"
                raise InputError(f"--wrt: {name!r} is not an input of the program (its inputs "
                                 f"are: {known})")
        result = {name: result[name] for name in wanted}
    out_name = graph.names[graph.output] or ("out" if "f" in graph.names else "f")
    if format_ == "latex":
        from gradcli.render.latex import latex_name, to_latex

        f = latex_name(out_name)
        lines = [r"\begin{align*}", rf"{f} &= {to_latex(output)} \\"]
        for name, derivative in result.items():
            lines.append(rf"\frac{{\partial {f}}}{{\partial {latex_name(name)}}} &= "
                         rf"{to_latex(derivative)} \\")
        lines[-1] = lines[-1].removesuffix(r" \\")
        lines.append(r"\end{align*}")
    else:
        lines = [f"{out_name} = {to_text(output)}"]
        lines += [f"∂{out_name}/∂{name} = {to_text(derivative)}"
                  for name, derivative in result.items()]
    emit("\n".join(lines) + "\n", "text", out, "never")
