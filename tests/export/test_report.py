"""`kg report` opened in a real headless browser (Debian chromium driven by playwright): it renders,
logs no console errors, makes no request but the file itself, and hostile captions stay text.
Screenshots are kept in out/test-artifacts/ (gitignored)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from graph_builds import HOSTILE

from pipeline.cli import main
from helpers import graph_root

pytestmark = pytest.mark.slow  # whole graphs and a headless browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "out" / "test-artifacts"
FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: `make setup` installs Debian chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def open_report(browser, path: Path, shot: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests, problems, dialogs = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    return page, requests, problems, dialogs


@pytest.mark.parametrize("which", ["sample", "hostile"])
def test_report_renders_offline(request, browser, tmp_path: Path, capsys, which: str) -> None:
    graph = request.getfixturevalue(f"{which}_graph")
    out = tmp_path / "report.html"
    assert main(["report", str(graph), "--out", str(out)]) == 0
    page, requests, problems, dialogs = open_report(browser, out, f"report-{which}.png")
    assert requests == [out.resolve().as_uri()], f"unexpected requests: {requests}"
    assert problems == [] and dialogs == []
    assert page.locator("h1").inner_text().startswith("kg report")
    images = pd.read_parquet(graph_root(graph) / "images")
    assert page.locator("#gallery figure.img").count() == min(24, len(images))
    assert page.locator("#gallery rect.box").count() >= 1
    assert page.locator("#entities details").count() >= 1
    assert page.locator("script").count() == 0
    for section in ("#summary", "#seconds", "#top", "#gallery", "#entities"):
        assert page.locator(section).is_visible()
    if which == "sample":
        # thumbnails come from the corpus the graph was built from
        assert page.locator("#gallery svg image").count() == len(images)
        assert "skimage-coffee" in page.locator("#gallery").inner_text()
    else:
        text = page.locator("#gallery").inner_text()
        assert '<script>alert("x")</script> on a sign' in text
        assert "a CDATA end ]]> and an entity &amp; &lt;b&gt;" in text
        assert "[bold red]rich markup[/]" in text
        html = out.read_text(encoding="utf-8")
        assert "<script>" not in html
        # control characters cannot be displayed: they are shown as \\uXXXX
        shown = [re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", h.strip().split("\n")[0])
                 for h in HOSTILE]
        assert [s for s in shown if s not in text] == []
        assert "a NUL \\u0000 byte and a bell \\u0007" in text
