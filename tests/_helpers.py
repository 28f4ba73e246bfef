"""Helpers shared by the test files: the note's programs, the circuits the renderer tests draw,
two ways to run the command line in-process, renderers' text, and snapshot files.

Fixtures (`cli`, `staged`, `array_folder`) live in conftest.py; hypothesis strategies in
_strategies.py.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SNAPSHOTS = HERE / "snapshots"

# ------------------------------------------------------------------ the note's programs

# The seed note lives in shared/ beside the checkout (CI lays a copy there too).
SEED = HERE.parent.parent / "shared" / "seed" / "cs231n-backprop-notes.txt"

# The note's staged forward pass, lines (1)..(8) with their comments, as the note prints it;
# the repository's copy, for a checkout without the seed beside it.
STAGED_FALLBACK = (HERE.parent / "examples" / "staged.py").read_text(encoding="utf-8")


def staged_source() -> str:
    """The staged example's forward pass cut verbatim out of the seed note (its code block)."""
    if not SEED.is_file():
        return STAGED_FALLBACK
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("x = 3 # example values")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("f = num * invden"))
    return "\n".join(lines[start:end + 1]) + "\n"


# The note's two array code blocks, forward passes as the note prints them.
NEURON = """\
w = [2,-3,-3] # assume some random weights and data
x = [-1, -2]

# forward pass
dot = w[0]*x[0] + w[1]*x[1] + w[2]
f = 1.0 / (1 + math.exp(-dot)) # sigmoid function
"""

MATMUL = """\
# forward pass
W = np.random.randn(5, 10)
X = np.random.randn(10, 3)
D = W.dot(X)
"""

# ------------------------------------------------------------------ the note's circuits

CIRCUITS = {
    "add_mul": ("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}),
    "neuron": ("1/(1+exp(-(w0*x0+w1*x1+w2)))",
               {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}),
    "gates": ("2*(x*y+max(z,w))", {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}),
    "staged": ("sigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\nxpy = x + y\n"
               "xpysqr = xpy**2\nden = sigx + xpysqr\ninvden = 1.0 / den\nf = num * invden\n",
               {"x": 3.0, "y": -4.0}),
}


def report(name):
    """The Report of one of CIRCUITS."""
    from gradcli.compute import compute

    program, bindings = CIRCUITS[name]
    return compute(program, bindings)


# The note's examples as a user types them (the staged one cut verbatim from the note), by the
# names of their table snapshots.
EXAMPLES = {
    "add_mul": ("(x+y)*z", {"x": -2, "y": 5, "z": -4}),
    "staged": (staged_source(), {}),
    "max_gate": ("2*(x*y + max(z,w))", {"x": 3, "y": -4, "z": 2, "w": -1}),
    "sigmoid_neuron": ("1/(1+exp(-(w0*x0+w1*x1+w2)))",
                       {"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2}),
}


# ------------------------------------------------------------------ the command line in-process

def run(argv, capsys):
    """gradcli's main() in-process: (exit status, stdout, stderr)."""
    from gradcli.cli import main

    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args, stdin=None) -> Result:
    """gradcli's main() in click's isolation, stdout and stderr captured separately; `stdin`
    (text or bytes) is what it reads there."""
    from click.testing import CliRunner

    from gradcli.cli import main

    runner = CliRunner()
    with runner.isolation(input=stdin) as streams:
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Result(code, out.decode(), err.decode())


# ------------------------------------------------------------------ snapshots

def may_write_snapshots() -> bool:
    """GRADCLI_UPDATE_SNAPSHOTS=1 writes snapshots instead of comparing, never under CI=true."""
    return os.environ.get("GRADCLI_UPDATE_SNAPSHOTS") == "1" and os.environ.get("CI") != "true"


def assert_snapshot(name: str, text: str) -> None:
    """`text` equals tests/snapshots/`name` exactly. Run with GRADCLI_UPDATE_SNAPSHOTS=1 (locally,
    never in CI) to write new ones, then read the diff before committing them."""
    path = SNAPSHOTS / name
    if may_write_snapshots():
        path.write_text(text, encoding="utf-8", newline="")
        return
    assert path.is_file(), f"no snapshot {path}; write it with GRADCLI_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its snapshot:\n{text}"


def render_text(report, name: str, settings=None) -> str:
    """The report in a text format (JSON, CSV, Markdown, ...), through the renderer registry."""
    from gradcli.render import Settings, renderer

    render, kind = renderer(name)
    assert kind in ("text", "chunks")
    text = render(report, settings if settings is not None else Settings())
    return text if kind == "text" else "".join(text)


def fixed_console_text(renderable, width: int = 80) -> str:
    """A Rich renderable printed at a fixed width, without colour."""
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    Console(file=out, width=width, no_color=True, color_system=None, highlight=False,
            force_terminal=False).print(renderable)
    return out.getvalue()
