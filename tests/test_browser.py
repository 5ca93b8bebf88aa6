"""The audit report and the docs site, opened in a real browser.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run`` where it is
missing; never a browser download): the Chinese HTML report of a demo year and a Chinese control
page of the built site are opened at 1280 px; the charts must render (SVG bars with a size),
nothing may overflow horizontally, and the Chinese labels must be there. Screenshots go to the
test's tmp dir. The tests are skipped, saying why, only when Chromium or Playwright is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salesctl.audit import replay
from salesctl.demo import INJECTORS, generate
from salesctl.policy import loads_policy

ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(name).exists():
            return name
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium found (/usr/bin/chromium): .ci/run installs Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def _no_horizontal_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the page is {width} px wide at a 1280 px viewport"


def test_the_chinese_html_report_renders_its_charts(browser: Any, tmp_path: Path) -> None:
    demo = generate(seed=5, customers=6, orders=60, injectors=tuple(sorted(INJECTORS)))
    lines = [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in demo.events]
    report = replay(lines, loads_policy(demo.policy_toml))
    path = tmp_path / "report.zh.html"
    path.write_text(report.to_html("zh"), encoding="utf-8")
    page = _open(browser, path.as_uri())
    try:
        charts = page.locator("svg.chart")
        assert charts.count() >= 3
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 20
        bars = page.locator("svg.chart rect.bar")
        sized = [bars.nth(i).bounding_box() for i in range(min(bars.count(), 20))]
        assert any(b is not None and b["width"] > 0 and b["height"] > 0 for b in sized)
        _no_horizontal_overflow(page)
        body = page.inner_text("body")
        for label in ("审计重演例外报告", "按月份的例外", "按控制的例外", "控制测试结果", "例外", "拒收行"):
            assert label in body, label
        cid = page.locator("td.c").first
        assert cid.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        page.screenshot(path=str(tmp_path / "report.zh.png"), full_page=False)
    finally:
        page.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return out


def test_a_chinese_control_page_reads_in_chinese(browser: Any, site: Path, tmp_path: Path) -> None:
    page = _open(browser, (site / "zh" / "controls" / "O2C-PR-03" / "index.html").as_uri())
    try:
        text = page.inner_text("article")
        for label in ("控制活动", "来源原文与指引条文", "不得擅自突破", "价格领导小组"):
            assert label in text, label
        for leak in ("None", "True", "False", "max_cut", "price_committee"):
            assert leak not in text, leak
        # the chrome and the navigation are Chinese too (docs/hooks/controls.py)
        assert page.get_attribute("html", "lang") == "zh"
        assert page.get_attribute("input.md-search__input", "placeholder") == "搜索"
        nav = page.inner_text("nav.md-nav--primary")
        assert "控制目录" in nav and "Decisions" not in nav and "API reference" not in nav
        _no_horizontal_overflow(page)
        page.screenshot(path=str(tmp_path / "control.zh.png"), full_page=False)
    finally:
        page.close()
