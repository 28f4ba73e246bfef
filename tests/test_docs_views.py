"""docs/views.md ("Seeing the circuit") shows an example of every view, and the note's circuit
pictures (tests/test_docs.py runs each example and compares its output)."""

import re

from _docs import DOCS, read

VIEWS = DOCS / "views.md"


def commands():
    return re.findall(r"^\$ (.*)$", "\n".join(re.findall(r"```console\n(.*?)```", read(VIEWS),
                                                          re.S)), re.M)


def test_the_page_has_an_example_of_every_view():
    shown = " ".join(commands())
    for mode in ("--format mermaid", "--format tree", "--explain", "--format python",
                 "--format latex", "--mode forward", "--exact", "gradcli diff"):
        assert mode in shown, mode


def test_the_page_shows_the_notes_circuits():
    text = read(VIEWS)
    for picture in ("circuit-add-mul.png", "circuit-neuron.png", "circuit-gates.png"):
        assert f"]({picture})" in text and (DOCS / picture).exists(), picture
