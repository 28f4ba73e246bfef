"""The README's examples are run, so the docs cannot drift from the program.

Every ```console block is a series of `$ gradcli ...` commands, each followed by its exact
output (stdout, then stderr). They run in a folder holding examples/ and every file the
README shows under a `<!-- file: NAME -->` marker. Set GRADCLI_UPDATE_DOCS=1 to rewrite the
outputs in README.md after a deliberate change (never done under CI).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from gradcli.cli import main
from gradcli.cli.commands import COMMANDS as SUBCOMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
FILE = re.compile(r"<!-- file: (\S+) -->\n```python\n(.*?)```", re.S)


def examples(text: str):
    """(command line, expected output, where the output sits in the text) for each example."""
    for block in BLOCK.finditer(text):
        body = block.group(1)
        offset = block.start(1)
        parts = re.split(r"^\$ (.*)\n", body, flags=re.M)
        # parts: [before, cmd1, out1, cmd2, out2, ...]
        position = offset + len(parts[0])
        for i in range(1, len(parts), 2):
            command, output = parts[i], parts[i + 1]
            start = position + len(f"$ {command}\n")
            yield command, output, (start, start + len(output))
            position = start + len(output)


def run_example(command: str, capsys, monkeypatch, folder: Path) -> tuple[int, str]:
    shutil.copytree(ROOT / "examples", folder / "examples")
    for name, body in FILE.findall(README.read_text(encoding="utf-8")):
        (folder / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    words = shlex.split(command)
    assert words[0] == "gradcli", f"README examples run gradcli only: {command}"
    capsys.readouterr()
    status = main(words[1:])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    return status, "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


ALL = list(examples(README.read_text(encoding="utf-8")))


@pytest.mark.parametrize("command,expected,where", ALL, ids=[c for c, _, _ in ALL])
def test_readme_example(command, expected, where, capsys, monkeypatch, tmp_path):
    status, got = run_example(command, capsys, monkeypatch, tmp_path)
    if os.environ.get("GRADCLI_UPDATE_DOCS") == "1" and os.environ.get("CI") != "true":
        text = README.read_text(encoding="utf-8")
        README.write_text(text.replace(f"$ {command}\n{expected}", f"$ {command}\n{got}", 1),
                          encoding="utf-8")
        return
    assert got == expected, f"README example changed: {command}"
    assert status == (2 if expected.startswith("error:") else 0)


def test_readme_has_examples():
    commands = [command for command, _, _ in ALL]
    assert len(commands) >= 5
    # The note's own code blocks, as they are written there.
    assert "gradcli -f examples/staged.py" in commands
    assert "gradcli -f neuron.py" in commands
    assert "gradcli -f matmul.py --upstream randn" in commands


def test_every_command_is_documented():
    text = README.read_text(encoding="utf-8")
    for name in SUBCOMMANDS:
        assert f"gradcli {name}" in text, f"README never mentions 'gradcli {name}'"


def test_every_command_has_help(capsys):
    for name in ["--help"] + [f"{name} --help" for name in SUBCOMMANDS]:
        assert main(name.split()) == 0
        assert "Usage:" in capsys.readouterr().out


def test_set_up_commands_are_marked():
    text = README.read_text(encoding="utf-8")
    for marker in ("<!-- run-command -->", "<!-- test-command -->"):
        after = text.split(marker, 1)[1]
        assert after.lstrip().startswith("```sh\n"), marker
