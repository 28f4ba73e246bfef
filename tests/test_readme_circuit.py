"""The README's "Seeing the circuit" examples are real: each command's output is checked."""

import re
import shlex
from pathlib import Path

import pytest
from _circuits import run

README = Path(__file__).parent.parent / "README.md"
EXAMPLE = re.compile(r"<!-- example -->\n```console\n\$ (.*)\n((?:(?!```).*\n)*?)```")


def examples():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Seeing the circuit"):]
    return EXAMPLE.findall(section)


def test_the_section_has_an_example_of_every_new_mode():
    commands = " ".join(command for command, _ in examples())
    for mode in ("--format mermaid", "--format tree", "--explain", "--format python",
                 "--format latex", "--mode forward", "--exact", "gradcli diff"):
        assert mode in commands, mode
    text = README.read_text(encoding="utf-8")
    for picture in ("docs/circuit-add-mul.png", "docs/circuit-neuron.png",
                    "docs/circuit-gates.png"):
        assert f"({picture})" in text and (README.parent / picture).exists()


@pytest.mark.parametrize("command, expected", examples(), ids=lambda item: item[:40])
def test_example_output(command, expected, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    words = shlex.split(command)
    assert words[0] == "gradcli"
    status, out, err = run(words[1:], capsys)
    assert status == 0, err
    assert out == expected
