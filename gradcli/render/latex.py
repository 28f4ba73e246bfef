"""--format latex: the per-node table and the chain-rule steps, for homework write-ups.

`to_latex` is the one LaTeX printer (also used by `gradcli diff --format latex`):
iterative, with the op table's `latex` forms (\\frac for division, ^ for powers,
a template with \\cdot for abs, sqrt and id, \\operatorname-style names for the
rest) and the same precedence rules as the text printer.
"""

from __future__ import annotations

import re

from gradcli.expr import Expr
from gradcli.ops import ATOM, OPS, POWER, UNARY
from gradcli.printer import format_number as exact_number
from gradcli.render import Settings, format_number
from gradcli.symbolic import local_rules

_INDEXED = re.compile(r"([A-Za-z]+)_?(\d+)\Z")


GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())


def _letter(word: str) -> str | None:
    """A one-letter name or a Greek letter's name as LaTeX (theta -> \\theta), else None."""
    if len(word) == 1 and word.isalpha():
        return word
    return f"\\{word}" if word in GREEK else None


def latex_name(name: str) -> str:
    """w0 -> w_{0}, x -> x, theta -> \\theta, theta1 -> \\theta_{1}, sigy -> \\mathit{sigy};
    anything else escaped."""
    match = _INDEXED.match(name)
    if match and _letter(match.group(1)):
        return f"{_letter(match.group(1))}_{{{match.group(2)}}}"
    if _letter(name):
        return _letter(name)
    escaped = re.sub(r"([#$%&_{}])", r"\\\1", name)
    return rf"\mathit{{{escaped}}}"


def latex_number(text: str) -> str:
    """A formatted number as LaTeX: 1e+20 -> 1 \\times 10^{20}."""
    if "e" in text and text not in ("inf", "-inf", "undefined"):
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    return text if text != "undefined" else r"\text{undefined}"


def to_latex(root: Expr) -> str:
    """An Expr as LaTeX math; a post-order walk with an explicit stack."""
    done: dict[int, tuple[str, int]] = {}
    stack = [(root, False)]
    while stack:
        expr, visited = stack.pop()
        kind = expr.kind
        if kind == "number":
            text = latex_number(exact_number(expr.value))
            done[id(expr)] = (text, UNARY if text.startswith("-") else ATOM)
            continue
        if kind in ("name", "label"):
            done[id(expr)] = (latex_name(expr.name), ATOM)
            continue
        if not visited:
            stack.append((expr, True))
            stack.extend((a, False) for a in expr.args)
            continue
        op = OPS[kind]
        args = [done[id(a)] for a in expr.args]

        def paren(item, minimum):
            text, level = item
            return rf"\left({text}\right)" if level < minimum else text

        if op.syntax == "infix":
            (a, sa), (b, sb) = args
            if op.latex == r"\frac":
                done[id(expr)] = (rf"\frac{{{a}}}{{{b}}}", ATOM)
            elif op.latex == "^":
                done[id(expr)] = (f"{paren(args[0], ATOM)}^{{{b}}}", POWER)
            else:
                left = paren(args[0], op.strength)
                right = paren(args[1], op.strength + 1)
                done[id(expr)] = (f"{left} {op.latex or op.symbol} {right}", op.strength)
        elif op.syntax == "prefix":
            done[id(expr)] = (f"{op.latex or op.symbol}{paren(args[0], UNARY)}", UNARY)
        elif r"\cdot" in op.latex:
            done[id(expr)] = (op.latex.replace(r"\cdot", args[0][0]), ATOM)
        else:
            command = op.latex or rf"\operatorname{{{op.name}}}"
            inner = ", ".join(text for text, _ in args)
            done[id(expr)] = (rf"{command}\left({inner}\right)", ATOM)
    return done[id(root)][0]


NODE = r"\cdot"


def _partial(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _inline_partial(top: str, bottom: str) -> str:
    """∂a/∂b with a slash, for table cells, where a stacked fraction is too small to read."""
    return rf"\partial {top}/\partial {bottom}"


def render(report, settings: Settings) -> str:
    from gradcli.render.python_code import variable_names
    from gradcli.scalar_only import refuse_arrays, uses_arrays

    if uses_arrays(report):     # the derivation is written with scalar local derivatives
        raise refuse_arrays("--format latex", report)

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
        rules = local_rules(op.name, ref(node), [ref(a) for a in args]) if args else []
        for k, a in enumerate(args):
            if not graph.requires_grad[a]:
                continue
            local = report.local[graph.arg_start[node] + k]
            rule = rules[k]
            plain = rule is None or rule.kind == "number" or (
                rule.kind == "neg" and rule.args[0].kind == "number")
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
            rule = local_rules(op.name, ref(consumer), [ref(a) for a in args])[k]
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
