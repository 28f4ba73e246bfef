"""The README's "Vectors and matrices" examples run and print exactly what the README shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from gradcli.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Vectors and matrices")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def examples():
    return re.findall(r"```console\n\$ (gradcli [^\n]*)\n(.*?)```", section(), re.S)


def test_the_section_has_both_examples_of_the_note():
    commands = [command for command, _ in examples()]
    assert "gradcli -f neuron.py" in commands
    assert "gradcli -f matmul.py --upstream randn" in commands


@pytest.mark.parametrize("command,expected", examples())
def test_readme_example(command, expected, tmp_path, monkeypatch, capsys):
    for name, body in re.findall(r"<!-- file: (\S+) -->\n```python\n(.*?)```", section(), re.S):
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLUMNS", raising=False)
    status = main(shlex.split(command)[1:])
    captured = capsys.readouterr()
    shown = "\n".join(line.rstrip() for line in (captured.out + captured.err).rstrip().split("\n"))
    assert shown == expected.rstrip("\n")
    assert status == (2 if expected.startswith("error:") else 0)
