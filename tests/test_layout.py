"""The site folder's layout has one owner: ``newsreel/layout.py``."""

from __future__ import annotations

import ast
from pathlib import Path

from newsreel import layout
from newsreel.layout import SiteLayout

PACKAGE = Path(layout.__file__).resolve().parent
NAMES = {
    layout.CONTENT,
    layout.TEMPLATES,
    layout.STATIC,
    layout.CONFIG,
    layout.OUTPUT,
    layout.CACHE,
}


def test_site_layout_names_every_place_of_a_site_folder(tmp_path: Path) -> None:
    site = SiteLayout(tmp_path)
    assert site.content == tmp_path / "content"
    assert site.posts == tmp_path / "content" / "posts"
    assert site.content_folder("films") == tmp_path / "content" / "films"
    assert site.templates == tmp_path / "templates"
    assert site.static == tmp_path / "static"
    assert site.config == tmp_path / "newsreel.yaml"
    assert site.output == tmp_path / "site"
    assert site.cache == tmp_path / ".newsreel-cache"
    assert site.source_dirs == (site.content, site.templates, site.static)


def _spellings(path: Path) -> list[str]:
    """Places in one module that spell a layout name as a path: ``x / "content"``, or the
    settings file or cache folder's name anywhere."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant)
            and node.right.value in NAMES
        ):
            found.append(f"{path.name}:{node.lineno}: / {node.right.value!r}")
        elif isinstance(node, ast.Constant) and node.value in (layout.CONFIG, layout.CACHE):
            found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    return found


def test_no_other_module_spells_the_layout() -> None:
    found = [
        where
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "layout.py"
        for where in _spellings(path)
    ]
    assert found == [], "use newsreel.layout instead:\n" + "\n".join(found)
