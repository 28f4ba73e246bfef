"""The documentation pages whose examples the tests run: README.md and every docs/*.md.

A page's examples run in a folder holding examples/ and the files that page shows under a
`<!-- file: NAME -->` marker; pages never see each other's files, so each page reads on its
own. GRADCLI_UPDATE_DOCS=1 (never under CI) rewrites the outputs shown in the pages from real
runs; read the diff before committing it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

# A file the examples read: the marker, then a fenced block of any language.
FILE = re.compile(r"<!-- file: (\S+) -->\n```[\w-]*\n(.*?)```", re.S)


def name(page: Path) -> str:
    """The page as its path from the repository root: README.md, docs/json.md."""
    return page.relative_to(ROOT).as_posix()


def read(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def page_files(page: Path) -> list[tuple[str, str]]:
    return FILE.findall(read(page))


def lay_out(page: Path, folder: Path) -> Path:
    """Fill `folder` with examples/ and the page's own files, as a reader's working directory."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    for filename, body in page_files(page):
        (folder / filename).write_text(body, encoding="utf-8")
    return folder


def updating() -> bool:
    return os.environ.get("GRADCLI_UPDATE_DOCS") == "1" and os.environ.get("CI") != "true"


def all_text() -> str:
    return "\n".join(read(page) for page in PAGES)


def prose(page: Path) -> str:
    """The page without its fenced blocks: what a reader sees as text, headings and links."""
    lines, fenced = [], False
    for line in read(page).splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return "\n".join(lines)


def headings(page: Path) -> list[str]:
    return [line.lstrip("#").strip() for line in prose(page).splitlines()
            if re.match(r"#{1,6} ", line)]


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text, lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")
