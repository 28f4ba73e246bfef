"""The examples of README.md and every docs/*.md page are run, so the docs cannot drift.

Every ```console block is a series of `$ gradcli ...` commands, each followed by its exact
output (stdout, then stderr). Each runs in a fresh folder holding examples/ and the files
its own page shows under `<!-- file: NAME -->` markers (tests/_docs.py). A page's ```pycon
blocks are Python sessions, run with doctest in order in one interpreter and such a folder.
Set GRADCLI_UPDATE_DOCS=1 to rewrite the outputs in the pages after a deliberate change (never
done under CI).
"""

from __future__ import annotations

import doctest
import re
import shlex
import traceback

import click
import pytest
from _docs import (
    DOCS,
    PAGES,
    README,
    all_text,
    anchor,
    headings,
    lay_out,
    name,
    prose,
    read,
    updating,
)

from gradcli.cli import main
from gradcli.cli.commands import COMMANDS as SUBCOMMANDS

BLOCK = re.compile(r"```console\n(.*?)```", re.S)
SESSION = re.compile(r"```pycon\n(.*?)```", re.S)


def examples(text: str):
    """(command line, expected output) for each command of the page's console blocks."""
    for block in BLOCK.finditer(text):
        parts = re.split(r"^\$ (.*)\n", block.group(1), flags=re.M)
        # parts: [before, cmd1, out1, cmd2, out2, ...]
        for i in range(1, len(parts), 2):
            yield parts[i], parts[i + 1]


def run_example(page, command: str, capsys, monkeypatch, folder) -> tuple[int, str]:
    lay_out(page, folder)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    words = shlex.split(command)
    while re.fullmatch(r"[A-Z_]+=\S*", words[0]):     # COLUMNS=40 gradcli ...
        variable, value = words.pop(0).split("=", 1)
        monkeypatch.setenv(variable, value)
    assert words[0] == "gradcli", f"console examples run gradcli only: {command}"
    capsys.readouterr()
    status = main(words[1:])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    return status, "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


ALL = [(page, command, expected) for page in PAGES for command, expected in examples(read(page))]


@pytest.mark.parametrize("page,command,expected", ALL,
                         ids=[f"{name(page)}: {command}" for page, command, _ in ALL])
def test_console_example(page, command, expected, capsys, monkeypatch, tmp_path):
    status, got = run_example(page, command, capsys, monkeypatch, tmp_path)
    if updating():
        page.write_text(read(page).replace(f"$ {command}\n{expected}", f"$ {command}\n{got}", 1),
                        encoding="utf-8")
        return
    assert got == expected, f"{name(page)}: example changed: {command}"
    assert status == (2 if expected.startswith("error:") else 0)


# ------------------------------------------------------------------ Python sessions

class _Recorder(doctest.DocTestRunner):
    """Keeps what each example really printed, to rewrite a session's outputs."""

    def __init__(self):
        super().__init__(optionflags=doctest.ELLIPSIS)
        self.got: dict[int, str] = {}

    def report_success(self, out, test, example, got):
        self.got[id(example)] = got

    def report_failure(self, out, test, example, got):
        self.got[id(example)] = got

    def report_unexpected_exception(self, out, test, example, exc_info):
        self.got[id(example)] = ("Traceback (most recent call last):\n  ...\n"
                                 + "".join(traceback.format_exception_only(*exc_info[:2])))


def _with_outputs(pieces, got: dict[int, str]) -> str:
    text = []
    for piece in pieces:
        if isinstance(piece, doctest.Example):
            lines = piece.source.rstrip("\n").split("\n")
            prompts = [(">>> " if i == 0 else "... ") + line for i, line in enumerate(lines)]
            text.append("".join(" " * piece.indent + p + "\n" for p in prompts) + got[id(piece)])
        else:
            text.append(piece)
    return "".join(text)


SESSION_PAGES = [page for page in PAGES if SESSION.search(read(page))]


@pytest.mark.parametrize("page", SESSION_PAGES, ids=[name(page) for page in SESSION_PAGES])
def test_python_sessions(page, monkeypatch, tmp_path):
    """A page's sessions run in order in one interpreter, as a reader would type them."""
    monkeypatch.chdir(lay_out(page, tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    runner = _Recorder() if updating() else doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    parser = doctest.DocTestParser()
    namespace: dict = {}
    text = read(page)
    for session in SESSION.findall(text):
        pieces = parser.parse(session, name(page))
        examples = [piece for piece in pieces if isinstance(piece, doctest.Example)]
        test = doctest.DocTest(examples, namespace, name(page), str(page), 0, session)
        runner.run(test, clear_globs=False)
        namespace = test.globs      # DocTest runs in a copy: carry it to the next session
        if updating():
            text = text.replace(session, _with_outputs(pieces, runner.got), 1)
    if updating():
        page.write_text(text, encoding="utf-8")
        return
    assert runner.failures == 0, f"{name(page)}: a Python session printed something else"


# ------------------------------------------------------------------ what the pages must hold

def test_the_pages_have_examples():
    commands = [command for _, command, _ in ALL]
    assert len(commands) >= 5
    # The note's own code blocks, as they are written there.
    assert "gradcli -f examples/staged.py" in commands
    assert "gradcli -f neuron.py" in commands
    assert "gradcli -f matmul.py --upstream randn" in commands


def test_every_command_is_documented():
    """Named on the front page, and given a section (a heading) of its own in docs/."""
    readme = read(README)
    sections = [heading for page in PAGES if page != README for heading in headings(page)]
    for command in SUBCOMMANDS:
        assert f"gradcli {command}" in readme, f"README.md never mentions 'gradcli {command}'"
        assert any(f"gradcli {command}" in heading for heading in sections), \
            f"no page of docs/ has a section on 'gradcli {command}'"


def _commands():
    from gradcli.cli import ONE_LINER, cli
    from gradcli.lazy import load

    yield "gradcli", cli
    yield "gradcli EXPR", load(ONE_LINER)
    for command, (path, _) in SUBCOMMANDS.items():
        yield f"gradcli {command}", load(path)


@pytest.mark.parametrize("command", [command for command, _ in _commands()])
def test_every_option_is_documented(command):
    """Each option, in one of its spellings, and each --format choice appear in the pages."""
    text = all_text()
    [params] = [c.params for name_, c in _commands() if name_ == command]
    for param in params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        spellings = param.opts + param.secondary_opts
        assert any(re.search(re.escape(s) + r"(?![\w-])", text) for s in spellings), \
            f"{command}: no page mentions {' / '.join(spellings)}"
        if param.name == "format_" and isinstance(param.type, click.Choice):
            for choice in param.type.choices:
                assert re.search(rf"--format[ =]([\w|]*\|)?{choice}\b", text), \
                    f"{command}: no page shows --format {choice}"


def test_every_command_has_help(capsys):
    for words in ["--help"] + [f"{command} --help" for command in SUBCOMMANDS]:
        assert main(words.split()) == 0
        assert "Usage:" in capsys.readouterr().out


def test_set_up_commands_are_marked():
    text = read(README)
    for marker in ("<!-- run-command -->", "<!-- test-command -->"):
        after = text.split(marker, 1)[1]
        assert after.lstrip().startswith("```sh\n"), marker



# ------------------------------------------------------------------ the pages hold together

LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=[name(page) for page in PAGES])
def test_links_lead_somewhere(page):
    """Every relative link names a file that exists, and every #anchor a heading of its page."""
    text = re.sub(r"`[^`\n]*`", "code", prose(page))
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{name(page)} links to {target}, which does not exist"
        if fragment:
            assert linked.suffix == ".md", f"{name(page)}: an anchor into {target}"
            assert fragment in [anchor(h) for h in headings(linked)], \
                f"{name(page)} links to {target}: no such heading"


DOC_PAGES = [page for page in PAGES if page.parent == DOCS and page.name != "README.md"]


@pytest.mark.parametrize("page", DOC_PAGES, ids=[name(page) for page in DOC_PAGES])
def test_each_page_says_what_it_covers_and_links_to_the_index(page):
    title, _, rest = read(page).partition("\n\n")
    opening = rest.split("\n\n", 1)[0]
    assert title.startswith("# "), f"{name(page)} opens with its title"
    assert opening.startswith("This page covers"), f"{name(page)}: say what the page covers"
    assert "(README.md)" in opening, f"{name(page)}: link back to the index in the opening"


def test_the_index_and_the_readme_lead_to_every_page():
    index = read(DOCS / "README.md")
    readme = read(README)
    assert "(docs/README.md)" in readme
    for page in DOC_PAGES:
        assert f"({page.name})" in index, f"docs/README.md does not link {page.name}"
        assert f"(docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"


def test_the_readme_reads_in_five_minutes():
    assert len(read(README).splitlines()) <= 300
