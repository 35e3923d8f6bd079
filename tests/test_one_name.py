"""One name per idea: one hash, one stamp, one date format, one front-matter reader."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import newsreel

PACKAGE = Path(newsreel.__file__).resolve().parent
ONE_OF_EACH = {
    "human_date",
    "month_name",
    "stamp_of",
    "post_slug",
    "read_front_matter",
    "guard_output",
    "check_links",
}


def _modules() -> dict[str, ast.Module]:
    return {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text("utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_each_idea_is_defined_once() -> None:
    defined = Counter(
        node.name
        for tree in _modules().values()
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    )
    assert {name: defined[name] for name in ONE_OF_EACH} == dict.fromkeys(ONE_OF_EACH, 1)
    assert defined["check_output"] == 0  # the writer's guard and the link check had one name


def test_the_hash_is_called_in_hashing_only() -> None:
    calls = [
        f"{name}:{node.lineno}"
        for name, tree in _modules().items()
        if name != "hashing.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and (node.attr in ("blake2b", "blake2s") or node.attr.startswith("xxh"))
    ]
    assert calls == [], "use newsreel.hashing instead"


def test_the_hash_is_xxh3_128_cut_to_each_size(tmp_path: Path) -> None:
    from newsreel.hashing import hash_bytes, hash_file, hash_text, hasher

    assert hash_bytes(b"") == "99aa06d3014798d86001c324468d497f"  # XXH3-128's reference value
    data = "Amélie, twenty years on\n".encode() * 1000
    whole = hash_bytes(data)
    assert len(whole) == 32 and hash_bytes(data, 5) == whole[:10]
    pieces = hasher(8)
    for start in range(0, len(data), 777):
        pieces.update(data[start : start + 777])
    assert pieces.hexdigest() == whole[:16]
    (tmp_path / "f").write_bytes(data)
    assert hash_file(tmp_path / "f") == whole == hash_text(data.decode())
    assert hash_bytes(data + b"!") != whole


def test_only_the_loader_parses_front_matter_yaml() -> None:
    """``new post`` and ``import`` read front matter through the loader, not a YAML reader
    of their own (``yaml.safe_dump`` to write one is fine)."""
    readers = [
        f"{name}:{node.lineno}"
        for name, tree in _modules().items()
        if name not in ("frontmatter.py", "config.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "yaml"
        and node.attr in ("load", "safe_load", "load_all", "safe_load_all", "BaseLoader")
    ]
    assert readers == []
