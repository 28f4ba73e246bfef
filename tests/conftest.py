"""Shared helpers: run the CLI in-process and read back its streams separately."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

SEED = Path("/work/shared/seed/cs231n-backprop-notes.txt")
HERE = Path(__file__).resolve().parent

# The note's staged forward pass, lines (1)..(8) with their comments, as the note prints it.
STAGED_FALLBACK = """\
x = 3 # example values
y = -4

# forward pass
sigy = 1.0 / (1 + math.exp(-y)) # sigmoid in numerator   #(1)
num = x + sigy # numerator                               #(2)
sigx = 1.0 / (1 + math.exp(-x)) # sigmoid in denominator #(3)
xpy = x + y                                              #(4)
xpysqr = xpy**2                                          #(5)
den = sigx + xpysqr # denominator                        #(6)
invden = 1.0 / den                                       #(7)
f = num * invden # done!                                 #(8)
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
