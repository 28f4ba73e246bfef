"""Shared helpers: run the CLI in-process and read back its streams separately."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# The seed note lives in shared/ beside the checkout (CI lays a copy there too).
SEED = HERE.parent.parent / "shared" / "seed" / "cs231n-backprop-notes.txt"

# The note's staged forward pass, lines (1)..(8) with their comments, as the note prints it;
# the repository's copy, for a checkout without the seed beside it.
STAGED_FALLBACK = (HERE.parent / "examples" / "staged.py").read_text(encoding="utf-8")


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


def staged_source() -> str:
    """The staged example's forward pass cut verbatim out of the seed note (its code block)."""
    if not SEED.is_file():
        return STAGED_FALLBACK
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("x = 3 # example values")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("f = num * invden"))
    return "\n".join(lines[start:end + 1]) + "\n"


@pytest.fixture
def staged() -> str:
    return staged_source()


class Run:
    def __init__(self, status: int, out: str, err: str):
        self.status = status
        self.out = out
        self.err = err

    def __repr__(self) -> str:
        return f"Run(status={self.status}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def cli(capsys, monkeypatch):
    """cli(*argv, stdin=None) -> Run(status, out, err), through gradcli.cli.main in this process."""
    from gradcli.cli import main

    # The caller's environment must not decide colour or width.
    for variable in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERM", "xterm-256color")

    def run(*argv: str, stdin: str | None = None, tty: bool = True) -> Run:
        import io

        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        else:
            fake = io.StringIO("")
            fake.isatty = lambda: tty
            monkeypatch.setattr(sys, "stdin", fake)
        status = main(list(argv))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


def expression_texts(leaves, depth):
    """A hypothesis strategy for program texts over + - * / ^2 and the common functions,
    shared by the property tests that compare two ways of differentiating."""
    from hypothesis import strategies as st

    leaf = st.sampled_from(leaves)
    unary = ("exp", "tanh", "sigmoid", "relu", "abs", "sin")

    @st.composite
    def texts(draw, depth=depth):
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            return draw(leaf)
        kind = draw(st.sampled_from(["+", "-", "*", "/", *unary, "max", "min", "^2"]))
        a = draw(texts(depth=depth - 1))
        if kind in unary:
            return f"{kind}({a})"
        if kind == "^2":
            return f"({a})^2"
        b = draw(texts(depth=depth - 1))
        if kind in ("max", "min"):
            return f"{kind}({a}, {b})"
        return f"({a} {kind} {b})"

    return texts()
