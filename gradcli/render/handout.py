"""A student's handout from `gradcli gen`: their variant of each problem, what to find and
how to hand it in, as Markdown or as a LaTeX document. Never an answer."""

from __future__ import annotations

from gradcli.lang.printer import latex_name, latex_number
from gradcli.numbers import exact_text


def _marks(problem: dict, data: dict) -> str:
    marks = problem.get("marks", data.get("marks", 1))
    return f"{marks:g} mark{'s' * (marks != 1)}"


def _item_text(item: str, output: str) -> str:
    return f"the value of {output}" if item == "value" else f"∂{output}/∂{item[3:]}"


def _item_latex(item: str, output: str) -> str:
    if item == "value":
        return f"${latex_name(output)}$"
    return rf"$\partial {latex_name(output)} / \partial {latex_name(item[3:])}$"


def markdown(data: dict, student, variants, title: str = "Backpropagation") -> str:
    who = student.name or student.id
    lines = [f"# {title}: {who}", "",
             f"Student: `{student.id}`. Fill in `{student.id}.toml`: each answer in place of "
             "its `\"\"`, as a number (`-0.25`) or a fraction in quotes (`\"-1/4\"`).", ""]
    for variant in variants:
        problem = variant.problem
        # An indented code block: a handout pasted into another Markdown file (inside a
        # fence of its own) stays whole.
        lines += [f"## Problem {problem['id']} ({_marks(problem, data)})", ""]
        lines += ["    " + line for line in problem["program"].strip().splitlines()] + [""]
        point = ", ".join(f"{name} = {exact_text(float(value))}"
                          for name, value in problem["at"].items())
        if point:
            lines += [f"At {point}, find " + ", ".join(_item_text(item, variant.output)
                                                     for item in variant.asked) + ".", ""]
        else:
            lines += ["Find " + ", ".join(_item_text(item, variant.output)
                                          for item in variant.asked) + ".", ""]
    return "\n".join(lines)


def _escape(text: str) -> str:
    out = []
    for ch in text:
        out.append({"\\": r"\textbackslash{}", "~": r"\textasciitilde{}",
                    "^": r"\textasciicircum{}"}.get(ch, "\\" + ch if ch in "#$%&_{}" else ch))
    return "".join(out)


def latex(data: dict, student, variants, title: str = "Backpropagation") -> str:
    who = _escape(student.name or student.id)
    lines = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}",
             rf"\section*{{{_escape(title)}: {who}}}",
             rf"Student: \texttt{{{_escape(student.id)}}}. Fill in "
             rf"\texttt{{{_escape(student.id)}.toml}}: each answer in place of its "
             r'\verb|""|, as a number or a fraction in quotes.', ""]
    for variant in variants:
        problem = variant.problem
        lines += [rf"\subsection*{{Problem {_escape(problem['id'])} "
                  rf"({_escape(_marks(problem, data))})}}",
                  r"\begin{verbatim}", problem["program"].strip(), r"\end{verbatim}"]
        point = ", ".join(f"{latex_name(name)} = {latex_number(exact_text(float(value)))}"
                          for name, value in problem["at"].items())
        items = ", ".join(_item_latex(item, variant.output) for item in variant.asked)
        lines += [(f"At ${point}$, find " if point else "Find ") + items + ".", ""]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
