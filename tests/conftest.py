"""Fixtures: the CLI run in-process with its streams read back separately, the note's staged
example, and a folder of array programs. Plain helpers live in _helpers.py."""

from __future__ import annotations

import sys

import pytest
from _helpers import MATMUL, NEURON, staged_source


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


# ------------------------------------------------------------------ a folder of array programs

NEURON_BACKPROP = NEURON + """
ddot = (1 - f) * f
dx = [w[0] * ddot, w[1] * ddot]
dw = [x[0] * ddot, x[1] * ddot, 1.0 * ddot]
"""

ARRAY_PROBLEMS = """\
[[problem]]
program = "sum(w * x)"
at = { w = [1, 2], x = [3, 4] }

[[problem]]
id = "neuron"
program = \"\"\"
w = [2,-3,-3]
x = [-1, -2]
dot = w[0]*x[0] + w[1]*x[1] + w[2]
f = 1.0 / (1 + math.exp(-dot))
\"\"\"

[[problem]]
id = "random"
program = "W = np.random.randn(2, 3)\\nD = W * 2"
"""

ARRAY_ANSWERS = """\
[[problem]]
program = "sum(w * x)"
at = { w = [1, 2], x = [3, 4] }
expect = { value = 11, "d/dw" = [3, 4], "d/dx" = [1, 2.5] }
"""


@pytest.fixture
def array_folder(tmp_path, monkeypatch):
    """The working folder, holding the note's array blocks (neuron.py, matmul.py, and
    neuron_backprop.py with its backward pass), batch lines with array bindings (lines.txt), a
    problem file and an answer file of array problems (problems.toml, answers.toml), a CSV of
    points (points.csv) and a roster for gen (roster.csv)."""
    (tmp_path / "neuron.py").write_text(NEURON)
    (tmp_path / "matmul.py").write_text(MATMUL)
    (tmp_path / "neuron_backprop.py").write_text(NEURON_BACKPROP)
    (tmp_path / "lines.txt").write_text("sum(w*[1,2])\nw*2\nsum(w)*y\n")
    (tmp_path / "problems.toml").write_text(ARRAY_PROBLEMS)
    (tmp_path / "answers.toml").write_text(ARRAY_ANSWERS)
    (tmp_path / "points.csv").write_text("w\n1\n2\n")
    (tmp_path / "roster.csv").write_text("id\nann\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path
