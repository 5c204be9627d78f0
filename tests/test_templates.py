"""Every page template, read as Jinja reads it: a page's `title` block is the browser tab's text, so it holds
no markup (a section pasted into it once showed up as raw HTML in the tab and vanished from the page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, nodes

TEMPLATES = Path(__file__).resolve().parent.parent / "bot" / "templates"
PAGES = sorted(p for p in TEMPLATES.rglob("*.html"))


def _blocks(path: Path) -> dict[str, nodes.Block]:
    tree = Environment().parse(path.read_text(encoding="utf-8"))
    return {block.name: block for block in tree.find_all(nodes.Block)}


def test_every_template_is_found() -> None:
    assert {p.relative_to(TEMPLATES).as_posix() for p in PAGES} >= {
        "console/plan_preview.html", "console/dashboard.html", "public/message.html"}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_a_pages_title_holds_text_only(path: Path) -> None:
    title = _blocks(path).get("title")
    if title is None:
        return
    markup = [data.data for data in title.find_all(nodes.TemplateData) if "<" in data.data]
    assert not markup, f"{path.name}: markup in the title block: {markup[0][:80]!r}"
    assert not list(title.find_all(nodes.Block)), f"{path.name}: a block inside the title block"
