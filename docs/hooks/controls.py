"""mkdocs hook: regenerate the control documentation every time the site is built.

Registered under ``hooks:`` in ``mkdocs.yml``. It never writes into ``docs/``: every generated
page is a virtual file, so ``mkdocs build`` alone always documents the catalogue as the code
has it, with the policy named by ``extra.salesctl_policy`` (default policy when the file does
not exist).

* ``on_config``: completes the nav — the per-control pages under the "Controls" and "中文"
  sections, a reference page per control family under "API reference", and any page in
  ``docs/`` that the nav does not list yet under "More" (so pages written later never break
  ``mkdocs build --strict`` and never go missing);
* ``on_files``: adds the output of :func:`salesctl.docs.render` (``controls/…``,
  ``zh/controls/…``, ``rcm.csv``, ``controls.json``, OSCAL), the family reference pages, and
  a reference page for any public ``salesctl`` module without a hand-written one;
* ``on_page_context``: a page under ``zh/`` gets the theme's Chinese chrome (search,
  table of contents, "back to top", the page's ``lang``) and a navigation of the "中文"
  section only; every other page keeps the site's language and the whole navigation;
* ``on_page_markdown``: replaces ``<!-- salesctl:policy-reference -->`` with the policy file
  reference generated from the family policy classes, and
  ``<!-- salesctl:example-decision FILE -->`` with the decision the gate gives for that check
  file (explained in English and Chinese, and as JSON).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section

_ROOT = Path(__file__).resolve().parents[2]
# mkdocs loads this file by path: the package is documented from the checkout's src/, even
# when another salesctl is installed, so src/ goes first on the path before salesctl is imported.
if str(_ROOT / "src") not in sys.path:
    sys.path.insert(0, str(_ROOT / "src"))

import salesctl.docs  # noqa: E402
import salesctl.docs.site  # noqa: E402
from salesctl.cli import read_check_file  # noqa: E402
from salesctl.controls import CONTROLS, FAMILIES  # noqa: E402
from salesctl.gate import Gate  # noqa: E402
from salesctl.policy import Policy, load_policy  # noqa: E402

log = logging.getLogger("mkdocs.hooks.salesctl")

_MARKER = "<!-- salesctl:policy-reference -->"
_EXAMPLE = re.compile(r"<!-- salesctl:example-decision (\S+) -->")
_CONTROLS_SECTION = "Controls"
_ZH_SECTION = "中文"
_REFERENCE_SECTION = "API reference"
_MORE_SECTION = "More"
#: Folders of docs/ whose pages are listed by the hook itself (or deliberately not in nav).
_SKIP = ("hooks/", "controls/", "zh/controls/", "reference/")


def _policy(config: Any) -> Policy:
    name = (config.extra or {}).get("salesctl_policy")
    if name:
        path = Path(config.config_file_path).parent / name
        if path.is_file():
            return load_policy(path)
        log.info("salesctl: policy file %s not found; documenting the default policy", path)
    return Policy.default()


def _nav_paths(items: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(items, str):
        out.add(items)
    elif isinstance(items, list):
        for x in items:
            out |= _nav_paths(x)
    elif isinstance(items, dict):
        for v in items.values():
            out |= _nav_paths(v)
    return out


def _section(nav: list[Any], title: str) -> list[Any] | None:
    for item in nav:
        if isinstance(item, dict) and isinstance(item.get(title), list):
            section: list[Any] = item[title]
            return section
    return None


def _title_of(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("-", " ").capitalize()


def _public_modules() -> list[str]:
    """The public modules and packages directly under ``salesctl`` (``gate``, ``docs``, …)."""
    pkg = _ROOT / "src" / "salesctl"
    names = {p.stem for p in pkg.glob("*.py")} | {p.parent.name for p in pkg.glob("*/__init__.py")}
    return sorted(n for n in names if not n.startswith("_"))


#: The theme language of the site (``theme.language``), restored on every page not under zh/.
_site_language = "en"


def on_config(config: Any) -> Any:
    global _site_language
    theme = getattr(config, "theme", None)
    if theme is not None and "language" in theme:
        _site_language = theme["language"]
    nav = config.nav
    if nav is None:
        return config
    section = _section(nav, _CONTROLS_SECTION)
    if section is not None:
        section.append({"All controls": [{c.id: f"controls/{c.id}.md"} for c in CONTROLS.values()]})
    section = _section(nav, _ZH_SECTION)
    if section is not None:
        section.append({"全部控制": [{c.id: f"zh/controls/{c.id}.md"} for c in CONTROLS.values()]})
    section = _section(nav, _REFERENCE_SECTION)
    if section is not None:
        listed = _nav_paths(section)
        section.extend(
            {f"salesctl.controls.{name}": f"reference/families/{name}.md"}
            for name in FAMILIES
            if f"reference/families/{name}.md" not in listed
        )
        section.extend(
            {f"salesctl.{m}": f"reference/{m}.md"}
            for m in _public_modules()
            if f"reference/{m}.md" not in listed
        )
    listed = _nav_paths(nav)
    docs_dir = Path(config.docs_dir)
    extra = []
    for path in sorted(docs_dir.rglob("*.md")):
        rel = path.relative_to(docs_dir).as_posix()
        if rel in listed or rel.startswith(_SKIP):
            continue
        extra.append({_title_of(path): rel})
    if extra:
        log.info(
            "salesctl: pages not in mkdocs.yml nav, listed under %r: %s",
            _MORE_SECTION,
            ", ".join(next(iter(e.values())) for e in extra),
        )
        nav.append({_MORE_SECTION: extra})
    return config


def on_files(files: Files, config: Any) -> Files:
    generated = dict(salesctl.docs.render(_policy(config)))
    for name in FAMILIES:
        if files.get_file_from_path(f"reference/families/{name}.md") is not None:
            continue  # a hand-written page wins
        generated.setdefault(
            f"reference/families/{name}.md",
            f"::: salesctl.controls.{name}\n",
        )
    for m in _public_modules():
        if files.get_file_from_path(f"reference/{m}.md") is None:
            generated.setdefault(f"reference/{m}.md", f"::: salesctl.{m}\n")
    for rel, content in sorted(generated.items()):
        if files.get_file_from_path(rel) is not None:
            log.warning("salesctl: %s exists in docs/ and is also generated; keeping docs/", rel)
            continue
        files.append(File.generated(config, rel, content=content))
    workbook = salesctl.docs.site.rcm_workbook(_policy(config))
    if workbook is not None and files.get_file_from_path("controls/rcm.xlsx") is None:
        files.append(File.generated(config, "controls/rcm.xlsx", content=workbook))
    return files


def _example(match: re.Match[str], config: Any) -> str:
    name = match.group(1)
    path = Path(config.config_file_path).parent / name
    try:
        txn, ctx = read_check_file(path)
        decision = Gate(_policy(config)).check(txn, ctx)
    except Exception as e:  # the page must say so, and a strict build must fail
        log.warning("salesctl: cannot run example %s: %s", name, e)
        return f"*(example {name} could not be run: {e})*"
    data = json.dumps(decision.to_dict(), ensure_ascii=False, indent=2)
    return "\n".join(
        [
            f"`salesctl check --policy {config.extra.get('salesctl_policy', '')} {name}`:",
            "",
            "```text",
            decision.explain("en"),
            "```",
            "",
            "```text",
            decision.explain("zh"),
            "```",
            "",
            "```json",
            data,
            "```",
        ]
    )


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if _MARKER in markdown:
        markdown = markdown.replace(_MARKER, salesctl.docs.policy_reference())
    if "salesctl:example-decision" in markdown:
        markdown = _EXAMPLE.sub(lambda m: _example(m, config), markdown)
    return markdown


def _zh_navigation(nav: Navigation) -> Navigation | None:
    """The site navigation cut down to the "中文" section's entries (``None`` without one)."""
    for item in nav.items:
        if isinstance(item, Section) and item.title == _ZH_SECTION:
            zh = Navigation(item.children, nav.pages)
            zh.homepage = nav.homepage
            return zh
    return None


def on_page_context(context: Any, page: Any, config: Any, nav: Navigation) -> Any:
    """Chinese chrome and the Chinese navigation on the pages under ``zh/``.

    mkdocs-material has one ``theme.language`` per site; pages render one after another, so
    setting it before each page renders gives that page its language (no i18n plugin).
    """
    zh = page.file.src_uri.startswith("zh/")
    config.theme["language"] = "zh" if zh else _site_language
    if zh:
        cut = _zh_navigation(nav)
        if cut is not None:
            context["nav"] = cut
    return context
