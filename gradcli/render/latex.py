"""--format latex: the per-node table and the chain-rule steps, for homework write-ups.

Expressions are spelt by the one printer's LaTeX spelling (lang/printer.py).
"""

from __future__ import annotations

from gradcli.lang.expr import Expr
from gradcli.lang.printer import latex_name, latex_number, to_latex
from gradcli.lang.simplify import local_rules, signed_number
from gradcli.numbers import format_number
from gradcli.render.python import variable_names
from gradcli.render.settings import Settings

NODE = r"\cdot"


def _partial(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _inline_partial(top: str, bottom: str) -> str:
    """∂a/∂b with a slash, for table cells, where a stacked fraction is too small to read."""
    return rf"\partial {top}/\partial {bottom}"


def render(report, settings: Settings) -> str:
    graph = report.graph
    names = variable_names(report)
    precision = settings.precision

    def num(value: float, wrap: bool = False) -> str:
        text = latex_number(format_number(value, precision))
        return rf"\left({text}\right)" if wrap and text.startswith("-") else text

    def ref(node: int) -> Expr:
        if names[node] is None:
            return Expr("number", value=report.values[node])
        return Expr("name", name=names[node])

    out = latex_name(names[graph.output])
    definition = Expr(graph.ops[graph.output].name, tuple(ref(a) for a in graph.args(graph.output))) \
        if graph.ops[graph.output].syntax != "leaf" else ref(graph.output)
    lines = [r"\documentclass{article}", r"\usepackage[margin=2cm]{geometry}",
             r"\usepackage{amsmath}", r"\usepackage{tabularx}", r"\allowdisplaybreaks",
             r"\begin{document}", "",
             rf"\section*{{Backpropagation through ${out} = {to_latex(definition)}$}}", ""]

    # The local rules get what the page leaves, and wrap at their = signs: the table fits.
    lines += [r"{\small\noindent",
              r"\begin{tabularx}{\textwidth}{lllrr>{\raggedright\arraybackslash}X}",
              rf"node & op & definition & value & ${_inline_partial(out, NODE)}$ & local \\",
              r"\hline"]
    shown = [i for i in range(graph.output + 1) if names[i] is not None]
    limit = None if settings.show_all else settings.max_rows
    for count, node in enumerate(shown):
        if limit is not None and count >= limit:
            lines.append(rf"\multicolumn{{6}}{{l}}{{\dots\ {len(shown) - limit} more nodes}} \\")
            break
        op = graph.ops[node]
        args = list(graph.args(node))
        definition = to_latex(Expr(op.name, tuple(ref(a) for a in args))) if args else ""
        grad = num(report.grads[node]) if graph.requires_grad[node] else ""
        locals_ = []
        rules = local_rules(op, ref(node), [ref(a) for a in args]) if args else []
        for k, a in enumerate(args):
            if not graph.requires_grad[a]:
                continue
            local = report.local[graph.arg_start[node] + k]
            rule = rules[k]
            plain = rule is None or signed_number(rule) is not None
            rule_text = "" if plain else to_latex(rule) + " = "
            locals_.append(f"${_inline_partial(latex_name(names[node]), latex_name(names[a]))} = "
                           f"{rule_text}{num(local)}$")
        first = locals_[0] if locals_ else ""
        lines.append(f"${latex_name(names[node])}$ & {op.name} & "
                     f"{'$' + definition + '$' if definition else ''} & "
                     f"${num(report.values[node])}$ & {'$' + grad + '$' if grad else ''} & "
                     f"{first} \\\\")
        for extra in locals_[1:]:
            lines.append(f" & & & & & {extra} \\\\")
    lines += [r"\end{tabularx}\par}", "", r"\subsection*{The chain rule, from the output back}", "",
              r"\begin{align*}", rf"{_partial(out, out)} &= 1 \\"]

    consumers: list[list[tuple[int, int]]] = [[] for _ in range(graph.output + 1)]
    for i in range(graph.output + 1):
        for k, a in enumerate(graph.args(i)):
            consumers[a].append((i, k))
    steps = [i for i in range(graph.output - 1, -1, -1)
             if graph.requires_grad[i] and names[i] is not None and consumers[i]]
    for count, node in enumerate(steps):
        if limit is not None and count >= limit:
            lines.append(rf"&\dots\ \text{{{len(steps) - limit} more steps}} \\")
            break
        me = latex_name(names[node])
        chain, symbols, numbers = [], [], []
        for consumer, k in reversed(consumers[node]):
            op = graph.ops[consumer]
            args = list(graph.args(consumer))
            rule = local_rules(op, ref(consumer), [ref(a) for a in args])[k]
            upstream = report.grads[consumer]
            local = report.local[graph.arg_start[consumer] + k]
            them = latex_name(names[consumer])
            chain.append(rf"{_partial(out, them)}\,{_partial(them, me)}")
            rule_text = num(local, wrap=True) if rule is None else to_latex(rule)
            if rule is not None and rule.kind not in ("number", "name"):
                rule_text = rf"\left({rule_text}\right)"
            symbols.append(rf"{num(upstream, wrap=True)} \cdot {rule_text}")
            numbers.append(rf"{num(upstream, wrap=True)} \cdot {num(local, wrap=True)}")
        lines.append(rf"{_partial(out, me)} &= {' + '.join(chain)} \\")
        lines.append(rf"&= {' + '.join(symbols)} \\")
        if symbols != numbers:
            lines.append(rf"&= {' + '.join(numbers)} \\")
        lines.append(rf"&= {num(report.grads[node])} \\[4pt]")
    lines[-1] = lines[-1].removesuffix(r" \\[4pt]").removesuffix(r" \\")
    lines += [r"\end{align*}", "", r"\end{document}"]
    return "\n".join(lines) + "\n"
