"""render/__init__, the renderer registry keyed by format and value domain: every scalar entry
loads and renders, and every format is a --format choice of the one-liner. (That every view works or
refuses on array programs is tested in test_arrays_views.py.)"""

from _helpers import report, run

import gradcli
from gradcli.render import FORMATS as RENDERERS
from gradcli.render import Settings, renderer
from gradcli.render.explain import render


def test_every_renderer_is_registered_and_loads():
    report = gradcli.grad("x*y", x=2, y=3)
    for name in RENDERERS:
        render, kind = renderer(name)
        result = render(report, Settings())
        assert result is not None
        if kind == "text":
            assert isinstance(result, str) and result.endswith("\n")


def test_every_registered_renderer_is_a_format(capsys):
    from gradcli.cli.one_liner import one_liner
    from gradcli.cli.plot import plot_command
    from gradcli.render import RENDERERS

    [choice] = [p.type.choices for p in one_liner.params if p.name == "format_"]
    [plot_choice] = [p.type.choices for p in plot_command.params if p.name == "format_"]
    assert {name for name, domain in RENDERERS if domain != "plot"} <= set(choice)
    assert {name for name, domain in RENDERERS if domain == "plot"} == set(plot_choice)
    status, out, _ = run(["(x+y)*z", "x=-2", "y=5", "z=-4", "--format", "explain"], capsys)
    assert status == 0 and out == render(report("add_mul"), Settings())
