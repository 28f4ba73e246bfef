"""The HTML page (--format html) in a real browser: Playwright driving Debian's Chromium
(.ci/system-packages installs it; Playwright's own browser download is never used). The test
steps through the backward pass and reads every number the page shows at each step against the
report's JSON, which it reads from the page itself.

    python tests/test_browser.py --screenshot docs/classroom-page.png   # the README's picture
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
NEURON = ["1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]
STAGED = ["q = x + y; f = q * x", "x=-2", "y=5"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Chromium at /usr/bin/chromium (Debian's chromium "
                                       "package, installed by .ci/system-packages)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="needs the playwright Python package (the test extra)")
    with sync_api.sync_playwright() as playwright:
        try:
            browser = launch(playwright)
        except Exception as error:      # a Chromium that cannot start here is a skip, not a fail
            pytest.skip(f"chromium did not start: {error}")
        yield browser
        browser.close()


def write_page(words, path: Path) -> Path:
    from gradcli.cli import main

    assert main([*words, "--format", "html", "-o", str(path)]) == 0
    return path


def shown(text: str) -> float:
    return float(text.strip())


def near(text: str, number: float) -> bool:
    """A number as the page writes it (4 significant digits) against the JSON's."""
    return math.isclose(shown(text), number, rel_tol=1e-3, abs_tol=1e-9)


@pytest.mark.parametrize("words", [NEURON, STAGED], ids=["neuron", "staged with a fork"])
def test_stepping_through_the_backward_pass_shows_the_reports_numbers(browser, tmp_path, words):
    page = browser.new_page()
    page.goto(write_page(words, tmp_path / "page.html").as_uri())
    data = json.loads(page.locator("script.gradcli-report").text_content())
    nodes = data["nodes"]
    steps = page.locator(".step")
    last = steps.count() - 1
    assert page.locator(".counter").inner_text() == f"step 0 of {last}"
    # At the forward pass, values are shown and no gradient yet.
    visible_grads = page.locator("svg text.g:not(.later)")
    assert visible_grads.count() == 0
    assert page.locator("svg text.v").count() > 0

    gates = [n["id"] for n in reversed(nodes) if n["inputs"] and n["grad"] is not None]
    seen = 0
    for k, node in enumerate(gates, 1):
        page.click("[data-go=next]")
        current = page.locator(".step.current")
        assert current.count() == 1 and current.get_attribute("data-node") == str(node)
        assert page.locator(".counter").inner_text() == f"step {k} of {last}"
        grad = nodes[node]["grad"]
        assert near(current.locator(".upstream").inner_text(), grad)
        edges = current.locator("li[data-edge]")
        assert edges.count() >= 1
        for e in range(edges.count()):
            edge = edges.nth(e)
            index = int(edge.get_attribute("data-edge"))
            assert nodes[node]["inputs"][index] == int(edge.get_attribute("data-target"))
            local = nodes[node]["local"][index]
            assert near(edge.locator(".local").inner_text(), local)
            assert near(edge.locator(".sends").inner_text(), local * grad)
        forks = current.locator(".contribution")
        if forks.count():
            assert math.isclose(sum(shown(forks.nth(i).inner_text())
                                    for i in range(forks.count())), grad, rel_tol=1e-3)
        # The circuit: this gate highlighted, the wires into it red, and what it sent on them.
        assert "here" in page.locator(f"svg [data-id='{node}']").get_attribute("class")
        assert page.locator(f"tr.here[data-id='{node}']").count() == 1
        assert page.locator(f"svg .wire.active[data-to='{node}']").count() >= 1
        now = visible_grads.count()
        assert now > seen
        seen = now
        for i in range(now):
            assert visible_grads.nth(i).is_visible()

    page.click("[data-go=next]")
    current = page.locator(".step.current")
    assert page.locator(".counter").inner_text() == f"step {last} of {last}"
    for name, grad in data["gradients"].items():
        assert near(current.locator(f"li[data-input='{name}'] .grad").inner_text(), grad)
    # Every wire's gradient is shown by the end, and the first step takes it all back.
    assert page.locator("svg text.g.later").count() == 0
    page.click("[data-go=first]")
    assert visible_grads.count() == 0
    page.close()


def test_with_javascript_off_the_page_is_static(browser, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(write_page(NEURON, tmp_path / "page.html").as_uri())
    assert not page.locator(".controls").is_visible()
    steps = page.locator(".step")
    assert all(steps.nth(i).is_visible() for i in range(steps.count()))
    assert page.locator("svg text.g").count() == page.locator("svg text.g").count() > 0
    assert page.locator("svg text.g.later").count() == 0
    assert page.locator("table.nodes tr").count() > 10
    context.close()


def screenshot(path: Path, step: int = 4) -> None:
    """The neuron's page at a step of its backward pass, for the README."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 940, "height": 860})
        page.goto(write_page(NEURON, Path(folder) / "neuron.html").as_uri())
        for _ in range(step):
            page.click("[data-go=next]")
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": 940, "height": 860})
        browser.close()


if __name__ == "__main__" and sys.argv[1:2] == ["--screenshot"]:
    screenshot(Path(sys.argv[2]))
