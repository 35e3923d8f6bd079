"""Messages read cleanly: no parentheses inside parentheses, in any string of the package.

Every problem prints as ``path:line: what is wrong (how to fix it)``, so a hint must hold no
parentheses of its own; and no other message, help text or note may nest them either. The
check reads the source: each string literal (f-strings with their fields as ``{}``, and
literals joined with ``+``), and the hint given to each ``error``, ``warning``, ``Problem``
and ``fail`` call. Docstrings and regular expressions are not messages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sitekit import newsreel

PACKAGE = Path(__file__).resolve().parent.parent / "newsreel"
HINT_ARGUMENT = {"error": 3, "warning": 3, "Problem": 3, "warning_problem": 3, "fail": 2}
"""Where each problem-making call takes its hint, which is printed inside parentheses."""


def literal(node: ast.AST) -> str | None:
    """The text of a string expression, with each f-string field as "{}"; None if not a string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal(node.left), literal(node.right)
        return None if left is None or right is None else left + right
    return None


def nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest


def is_pattern(text: str) -> bool:
    return any(mark in text for mark in ("(?", "\\d", "\\s", "\\w", "\\[")) or text.startswith("^")


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            found.add(id(node.value))
    return found


def offences(source: str, name: str) -> list[str]:
    tree = ast.parse(source)
    skip = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        text = literal(node)
        if text is not None and nesting(text) > 1 and not is_pattern(text):
            found.append(f"{name}:{node.lineno}: nested parentheses: {text!r}")
        if isinstance(node, ast.Call):
            func = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if func in HINT_ARGUMENT:
                position = HINT_ARGUMENT[func]
                hint = (
                    node.args[position]
                    if len(node.args) > position
                    else next((k.value for k in node.keywords if k.arg == "hint"), None)
                )
                text = literal(hint) if hint is not None else None
                if text and ("(" in text or ")" in text):
                    found.append(
                        f"{name}:{node.lineno}: a hint is shown in parentheses, so it holds none: {text!r}"
                    )
    return found


def test_no_message_nests_parentheses() -> None:
    found = [
        o
        for path in sorted(PACKAGE.rglob("*.py"))
        for o in offences(path.read_text("utf-8"), path.name)
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        'error("a.md", 1, "bad", "write x (or y)")',
        'self.fail("key", "bad", "write true (YAML 1.2: yes is text)")',
        'x = f"could not ({what} (again))"',
        'warning(path, None, "m", hint="use (this)")',
    ],
)
def test_the_scan_finds_what_it_looks_for(source: str) -> None:
    assert offences(source, "example.py")


@pytest.mark.parametrize("width", ["40", "80", "200"])
def test_help_lists_each_command_with_its_first_sentence_whole(width: str) -> None:
    import re

    from newsreel.cli import cli

    for group, args in ((cli, ["--help"]), (cli.commands["new"], ["new", "--help"])):
        result = newsreel(*args, env={"COLUMNS": width}, timeout=60)
        assert result.returncode == 0
        listing = " ".join(result.stdout.split("Commands:", 1)[1].split())
        assert "..." not in listing
        for name, command in group.commands.items():
            first = re.split(r"(?<=\.)\s", " ".join((command.help or "").split()), maxsplit=1)[0]
            assert first.endswith(".") and f"{name} {first}" in listing, (name, first, listing)
