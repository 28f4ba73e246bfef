"""gradcli diff: the derivatives as text (wrapped so that, copied, they still parse) or as
a LaTeX align* block."""

from __future__ import annotations

from gradcli.lang.printer import latex_name, to_latex, to_text

NO_INPUTS = "the program has no inputs: it is a constant, with nothing to differentiate"


def render(derivation, format_: str) -> str:
    graph = derivation.graph
    out_name = graph.output_name
    output, result, used = derivation.output, derivation.derivatives, derivation.intermediates
    if format_ == "latex":
        f = latex_name(out_name)
        lines = [r"\begin{align*}"]
        lines += [rf"{latex_name(name)} &= {to_latex(definition)} \\"
                  for name, definition in used]
        lines.append(rf"{f} &= {to_latex(output)} \\")
        for name, derivative in result.items():
            lines.append(rf"{latex_partial(f, name)} &= {to_latex(derivative)} \\")
        lines[-1] = lines[-1].removesuffix(r" \\")
        lines.append(r"\end{align*}")
        if not graph.inputs:
            lines.append(f"% {NO_INPUTS}")
    else:
        lines = [wrap(f"{name} = ", to_text(definition)) for name, definition in used]
        lines.append(wrap(f"{out_name} = ", to_text(output)))
        lines += [wrap(f"{partial(out_name, name)} = ", to_text(derivative))
                  for name, derivative in result.items()]
        if not graph.inputs:
            lines.append(f"# {NO_INPUTS}")
    return "\n".join(lines) + "\n"


SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _powers(names: tuple) -> list[tuple[str, int]]:
    """(x, x, y) -> [(x, 2), (y, 1)]: each variable with how often it is differentiated."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return list(counts.items())


def partial(out: str, name) -> str:
    """∂f/∂x, or for (x, x, y) ∂³f/∂x²∂y."""
    if isinstance(name, str):
        return f"∂{out}/∂{name}"
    order = str(len(name)).translate(SUPERSCRIPTS)
    below = "".join(f"∂{n}" + (str(k).translate(SUPERSCRIPTS) if k > 1 else "")
                    for n, k in _powers(name))
    return f"∂{order}{out}/{below}"


def latex_partial(out: str, name) -> str:
    if isinstance(name, str):
        return rf"\frac{{\partial {out}}}{{\partial {latex_name(name)}}}"
    order = f"^{{{len(name)}}}" if len(name) > 1 else ""
    below = r" \, ".join(rf"\partial {latex_name(n)}" + (f"^{{{k}}}" if k > 1 else "")
                         for n, k in _powers(name))
    return rf"\frac{{\partial{order} {out}}}{{{below}}}"


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
