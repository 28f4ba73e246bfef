"""The shell examples of README.md and docs/*.md run, and print what the pages say they print.

A `<!-- sh-example -->` sh block is followed by a text block holding its standard output. A
page's sh blocks run in order in one folder (examples/ and the page's `<!-- file: NAME -->`
files, tests/_docs.py), as a reader would type them, so a later block may use what an earlier
one wrote. A `<!-- pytest-example -->` python block is a test file that must pass.

`python tests/test_docs_shell.py --update`, or GRADCLI_UPDATE_DOCS=1 under pytest,
rewrites the output blocks from real runs.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _docs import PAGES, lay_out, name, read, updating  # noqa: E402

EXAMPLE = re.compile(r"<!-- sh-example -->\n```sh\n(.*?)```\n\n```text\n(.*?)```", re.S)
PYTEST_FILE = re.compile(r"<!-- pytest-example -->\n```python\n(.*?)```", re.S)


def run_examples(page: Path, folder: Path) -> list[str]:
    """Each sh example's standard output, run in order in one folder."""
    lay_out(page, folder)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
               COLUMNS="80", NO_COLOR="1")
    outputs = []
    for match in EXAMPLE.finditer(read(page)):
        done = subprocess.run(["bash", "-c", match.group(1)], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=120)
        outputs.append(done.stdout)
    return outputs


def _has_pandas() -> bool:
    return importlib.util.find_spec("pandas") is not None


def refresh(page: Path, folder: Path) -> None:
    """Rewrite the page's output blocks with what its examples print now."""
    outputs = iter(run_examples(page, folder))

    def refreshed(m):
        output = next(outputs)
        if "pandas" in m.group(1) and not _has_pandas():
            output = m.group(2)     # cannot be rerun here: keep what pandas printed before
        return f"<!-- sh-example -->\n```sh\n{m.group(1)}```\n\n```text\n{output}```"

    page.write_text(EXAMPLE.sub(refreshed, read(page)), encoding="utf-8")


SHELL_PAGES = [page for page in PAGES if EXAMPLE.search(read(page))]


def test_the_pages_have_shell_examples():
    assert sum(len(EXAMPLE.findall(read(page))) for page in PAGES) >= 10


@pytest.mark.parametrize("page", SHELL_PAGES, ids=[name(page) for page in SHELL_PAGES])
def test_shell_examples_print_what_the_page_shows(page, tmp_path):
    if updating():
        refresh(page, tmp_path)
        return
    examples = list(EXAMPLE.finditer(read(page)))
    outputs = run_examples(page, tmp_path)
    for match, output in zip(examples, outputs):
        if "pandas" in match.group(1) and not _has_pandas():
            continue
        assert output == match.group(2), f"{name(page)}:\n{match.group(1)}"


PYTEST_FILES = [(page, source) for page in PAGES for source in PYTEST_FILE.findall(read(page))]


@pytest.mark.parametrize("page,source", PYTEST_FILES,
                         ids=[name(page) for page, _ in PYTEST_FILES])
def test_pytest_example_passes(page, source, tmp_path):
    (lay_out(page, tmp_path) / "test_homework.py").write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "test_homework.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    tests = len(re.findall(r"^def test_", source, flags=re.M))
    assert f"{tests} passed" in done.stdout


def test_there_is_a_pytest_example():
    assert PYTEST_FILES


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    for page in SHELL_PAGES:
        with tempfile.TemporaryDirectory() as work:
            refresh(page, Path(work))
