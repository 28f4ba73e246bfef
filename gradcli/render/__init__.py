"""The renderer registry: one entry per output format and value domain, each a function of a
finished result that never evaluates anything.

A result's `domain` says what kind of numbers it holds: "scalar" and "array" Reports,
"exact" fractions (--exact), "tangent" columns (--mode forward), second derivatives
("hessian", "hvp", "second": --hessian, --hvp, --order 2), reasons for zero and tiny
gradients ("why": --why). Entries name their module,
so a run imports only the renderer it uses (JSON output never imports Rich). A format with
no entry for a domain is refused in one sentence naming the pair.
"""

from __future__ import annotations

from gradcli.errors import InputError
from gradcli.lazy import load
from gradcli.program.scalar_only import refuse_arrays
from gradcli.render.settings import Settings

# (format, domain) -> ("module:function", what it makes). A function returns a str, for
# "chunks" an iterator of strs written as they come (a big report never becomes one str),
# or for "renderable" a Rich renderable the CLI prints on its Console.
RENDERERS: dict[tuple[str, str], tuple[str, str]] = {
    ("table", "scalar"): ("gradcli.render.table:render", "renderable"),
    ("json", "scalar"): ("gradcli.render.machine:render_json", "chunks"),
    ("csv", "scalar"): ("gradcli.render.machine:render_csv", "chunks"),
    ("markdown", "scalar"): ("gradcli.render.markdown:render", "text"),
    ("dot", "scalar"): ("gradcli.render.dot:render", "text"),
    ("mermaid", "scalar"): ("gradcli.render.mermaid:render", "text"),
    ("tree", "scalar"): ("gradcli.render.tree:render", "renderable"),
    ("explain", "scalar"): ("gradcli.render.explain:render", "text"),
    ("python", "scalar"): ("gradcli.render.python:render", "text"),
    ("latex", "scalar"): ("gradcli.render.latex:render", "text"),
    ("html", "scalar"): ("gradcli.render.html:render", "text"),

    ("table", "array"): ("gradcli.render.arrays:render_table", "renderable"),
    ("json", "array"): ("gradcli.render.machine:render_json", "chunks"),
    ("csv", "array"): ("gradcli.render.arrays:render_csv", "text"),
    ("markdown", "array"): ("gradcli.render.arrays:render_markdown", "text"),
    ("dot", "array"): ("gradcli.render.dot:render", "text"),
    ("mermaid", "array"): ("gradcli.render.mermaid:render", "text"),
    ("tree", "array"): ("gradcli.render.tree:render", "renderable"),
    ("explain", "array"): ("gradcli.render.explain:render", "text"),
    ("html", "array"): ("gradcli.render.html:render", "text"),

    ("table", "exact"): ("gradcli.render.exact:render_table", "renderable"),
    ("json", "exact"): ("gradcli.render.exact:render_json", "text"),

    ("table", "tangent"): ("gradcli.render.forward:render_table", "renderable"),
    ("json", "tangent"): ("gradcli.render.forward:render_json", "text"),

    ("table", "hessian"): ("gradcli.render.second:hessian_table", "renderable"),
    ("json", "hessian"): ("gradcli.render.second:hessian_json", "text"),
    ("csv", "hessian"): ("gradcli.render.second:hessian_csv", "text"),
    ("markdown", "hessian"): ("gradcli.render.second:hessian_markdown", "text"),
    ("latex", "hessian"): ("gradcli.render.second:hessian_latex", "text"),

    ("table", "hvp"): ("gradcli.render.second:hvp_table", "renderable"),
    ("json", "hvp"): ("gradcli.render.second:hvp_json", "text"),
    ("csv", "hvp"): ("gradcli.render.second:hvp_csv", "text"),

    ("table", "second"): ("gradcli.render.second:second_table", "renderable"),
    ("json", "second"): ("gradcli.render.second:second_json", "text"),
    ("csv", "second"): ("gradcli.render.second:second_csv", "text"),

    ("table", "why"): ("gradcli.render.why:render_table", "renderable"),
    ("explain", "why"): ("gradcli.render.why:render_explain", "text"),
    ("json", "why"): ("gradcli.render.why:render_json", "text"),

    ("text", "plot"): ("gradcli.render.plot:render_terminal", "renderable"),
    ("svg", "plot"): ("gradcli.render.plot:render_svg", "text"),
    ("json", "plot"): ("gradcli.render.plot:render_json", "text"),
}

# The --format choices, in the order help lists them.
FORMATS = tuple(dict.fromkeys(name for name, domain in RENDERERS if domain == "scalar"))

# How the refusal names a view that makes its own report, and the formats it writes.
_VIEWS = {"exact": "--exact", "tangent": "--mode forward", "hessian": "--hessian",
          "hvp": "--hvp", "second": "--order 2", "plot": "gradcli plot", "why": "--why"}
_WORDS = {"table": "a table", "json": "JSON", "explain": "--explain"}


def require(format_: str, domain: str, result=None) -> None:
    """Refuse a format the domain has no renderer for, in one sentence naming the pair."""
    if (format_, domain) in RENDERERS:
        return
    if domain == "array":
        feature = "--explain" if format_ == "explain" else f"--format {format_}"
        raise refuse_arrays(feature, result)
    formats = [_WORDS.get(f, f) for f, d in RENDERERS if d == domain]
    listing = " or ".join(", ".join(formats).rsplit(", ", 1))
    raise InputError(f"{_VIEWS.get(domain, domain)} writes {listing}, not {format_}")


def renderer(format_: str, domain: str = "scalar", result=None):
    """(function, kind) for this format and domain; InputError where there is none."""
    require(format_, domain, result)
    target, kind = RENDERERS[(format_, domain)]
    return load(target), kind


def render(result, format_: str, settings: Settings = Settings()):
    """(rendered, kind): the result in this format."""
    function, kind = renderer(format_, result.domain, result)
    return function(result, settings), kind
