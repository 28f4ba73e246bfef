"""One refusal, worded once, for what exists only for scalar programs (--exact, --mode forward,
--format latex, gradcli diff): exit 2 with a sentence naming the feature and where the
program first uses an array, so the user sees which combination is unsupported and why.

No numpy here: diff refuses before any array is made.
"""

from __future__ import annotations

from gradcli.errors import InputError

PLACE_WIDTH = 40


def array_place(source: str | None, span=None, binding: str | None = None) -> str:
    """Where a program first uses an array, for a message: `w = [...] at line 1`."""
    if binding is not None:
        return f"the value given for {binding} is an array"
    if source is None or span is None:
        return "it uses arrays"
    start = min(span.start, len(source))
    end = min(max(span.end, start), len(source))
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    line_end = len(source) if line_end < 0 else line_end
    line = source.count("\n", 0, start) + 1
    form = source[start:end]
    if "\n" in form or len(form) > 24:
        form = form[0] + "...]" if form.startswith("[") else form.split("\n")[0][:23] + "…"
    text = source[line_start:start] + form + source[end:line_end] if end <= line_end \
        else source[line_start:start] + form
    text = text.split("#", 1)[0].strip()
    if len(text) > PLACE_WIDTH:
        text = text[:PLACE_WIDTH - 1] + "…"
    return f"{text} at line {line}"


def refuse_arrays(feature: str, report=None, *, source: str | None = None, span=None,
                  binding: str | None = None) -> InputError:
    """The error for `feature` on an array program (raise it). A report carries its own place."""
    if report is not None:
        source = report.graph.source
        span = getattr(report, "array_form", None)
        binding = getattr(report, "array_binding", None)
    return InputError(f"{feature} works on scalar programs only; this program uses arrays "
                      f"({array_place(source, span, binding)})")
