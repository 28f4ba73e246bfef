"""The README's "Seeing the circuit" section shows every new mode (tests/test_docs.py runs
each example and compares its output)."""

import re
from pathlib import Path

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
