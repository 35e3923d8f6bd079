"""Front matter: split a Markdown file, read its YAML strictly, remember where each key is.

The YAML is read the way YAML 1.2's core schema reads it, not PyYAML's 1.1 default: only
``true``/``false`` are booleans (``film: No`` is the film *No*), there are no sexagesimal
numbers (``1:30`` is text) and no implicit dates (dates are checked by the loader). Duplicate
keys and aliases that expand beyond reason are errors. PyYAML's C parser is used when present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from newsreel.errors import Problem, error

if TYPE_CHECKING:  # both loaders have the same methods; the stubs type the pure-Python one
    _BaseLoader = yaml.SafeLoader
else:
    try:  # the C parser is ~8x faster; the pure-Python one reads the same documents
        _BaseLoader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover - PyYAML built without libyaml
        _BaseLoader = yaml.SafeLoader

MAX_EXPANDED_NODES = 10_000
"""Aliases that add more nodes than this when expanded are an alias bomb, not front matter."""
MAX_DEPTH = 100
"""Deepest nesting of lists and mappings read."""
TOO_BIG = 10**12

_RESOLVERS: list[tuple[str, str, str]] = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
]


FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters no text of a site may hold: the controls (but tab and line ends), lone surrogates,
U+FFFE and U+FFFF. XML 1.0 forbids most of them (one makes every feed unreadable), HTML calls
them errors, and YAML refuses them written raw; this rule also catches them written as
escapes (``"\\u0001"``, ``"\\x1b"``, ``"\\0"``), in front matter, settings and Markdown alike."""


def character_name(char: str) -> str:
    """How a message names a forbidden character: "the control character U+001B"."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"the lone surrogate U+{code:04X}"
    if code in (0xFFFE, 0xFFFF):
        return f"the non-character U+{code:04X}"
    return f"the control character U+{code:04X}"


class YamlError(Exception):
    """The YAML could not be read; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first_line = key, line, first_line


class StrictLoader(_BaseLoader):
    """Safe loader with YAML 1.2 core-schema scalars and no duplicate keys."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue  # PyYAML reports unhashable keys itself
            if key in seen:
                raise _DuplicateKey(str(key), key_node.start_mark.line, seen[key])
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


class SourcedInt(int):
    """An integer that remembers how it was written, so ``film: 007`` can stay "007"."""

    source: str


class SourcedFloat(float):
    """A float that remembers how it was written (``title: 2.0`` stays "2.0")."""

    source: str


def _construct_int(loader: StrictLoader, node: yaml.ScalarNode) -> SourcedInt:
    value = SourcedInt(int(node.value, 10))  # YAML 1.2: "0123" is decimal, not octal
    value.source = node.value
    return value


def _construct_float(loader: StrictLoader, node: yaml.ScalarNode) -> SourcedFloat:
    text = node.value.lower()
    number = float(text.replace(".inf", "inf").replace(".nan", "nan"))
    value = SourcedFloat(number)
    value.source = node.value
    return value


for _tag, _pattern, _first in _RESOLVERS:
    StrictLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def as_text(value: Any) -> str | None:
    """A scalar read as a number, given back as the text that was written; strings unchanged."""
    if isinstance(value, str):
        return value
    source = getattr(value, "source", None)
    if source is not None:
        return str(source)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


class _TooDeep(Exception):
    pass


def _expanded_size(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    """Nodes in the document once every alias is expanded (memoised per node; ``memo`` ends
    up holding one entry per node as written). A cycle counts as too big; nesting deeper
    than ``MAX_DEPTH`` raises ``_TooDeep``."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        raise _TooDeep
    memo[id(node)] = TOO_BIG  # a cycle counts as too big
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, memo, depth + 1) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(
            _expanded_size(k, memo, depth + 1) + _expanded_size(v, memo, depth + 1)
            for k, v in node.value
        )
    else:
        size = 1
    memo[id(node)] = min(size, TOO_BIG)
    return memo[id(node)]


def _check_size(node: yaml.Node, path: str, line_offset: int) -> None:
    """Refuse YAML that aliases blow up, or that nests deeper than any front matter needs."""
    line = node.start_mark.line + 1 + line_offset
    memo: dict[int, int] = {}
    try:
        expanded = _expanded_size(node, memo)
    except _TooDeep:
        raise YamlError(
            error(
                path,
                line,
                f"the YAML nests values more than {MAX_DEPTH} levels deep (the limit)",
                "front matter needs a few levels at most: flatten the lists",
            )
        ) from None
    if expanded - len(memo) > MAX_EXPANDED_NODES:
        more = "endless or" if expanded >= TOO_BIG else f"{expanded - len(memo):,}"
        raise YamlError(
            error(
                path,
                line,
                f"aliases expand to {more} more values than are written; the limit is "
                f"{MAX_EXPANDED_NODES:,} (an alias bomb?)",
                "write the values out instead of nesting anchors and aliases",
            )
        )


def _plainly_small(text: str) -> bool:
    """Whether the text alone shows that its nodes need no walk (``_check_size``,
    ``_forbidden_scalar``): no anchor (so no alias: every node is written once), fewer
    characters that open a collection (``[ { - ? :``) than ``MAX_DEPTH`` (so nothing nests
    deeper), and no backslash (so no escape writes a character the text does not hold)."""
    return "&" not in text and "\\" not in text and sum(map(text.count, "[{-?:")) < MAX_DEPTH


_KEY_READ_AS = {
    "tag:yaml.org,2002:null": {"~": "None", "null": "None", "": "None"},
    "tag:yaml.org,2002:bool": {
        word: str(word in ("yes", "true", "on"))
        for word in ("yes", "no", "true", "false", "on", "off")
    },
}
"""How a key that is not a name reads once loaded (``~:`` is the key None), to find its line."""


def _key_lines(node: yaml.Node, prefix: str, line_offset: int, out: dict[str, int]) -> None:
    """Record the 1-based file line of every mapping key ("tweet.url") and list item ("actors[0]")."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                name = _KEY_READ_AS.get(key_node.tag, {}).get(
                    key_node.value.lower(), key_node.value
                )
                path = f"{prefix}.{name}" if prefix else str(name)
                out.setdefault(path, key_node.start_mark.line + 1 + line_offset)
                _key_lines(value_node, path, line_offset, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}[{index}]"
            out.setdefault(path, item.start_mark.line + 1 + line_offset)
            _key_lines(item, path, line_offset, out)


def _forbidden_scalar(node: yaml.Node, prefix: str) -> tuple[str, yaml.Node, str] | None:
    """The first key or value (after escapes) holding a ``FORBIDDEN`` character: (key, node, char)."""
    if isinstance(node, yaml.ScalarNode):
        found = FORBIDDEN.search(node.value) if isinstance(node.value, str) else None
        return (prefix, node, found.group()) if found else None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            path = f"{prefix}.{name}" if prefix else str(name)
            hit = _forbidden_scalar(key_node, path) or _forbidden_scalar(value_node, path)
            if hit:
                return hit
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            hit = _forbidden_scalar(item, f"{prefix}[{index}]")
            if hit:
                return hit
    return None


def _hint_for(message: str) -> str:
    if "\\t" in message or "'\\t'" in message or re.search(r"\btabs?\b", message):
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in message or "could not find expected ':'" in message:
        return "put quotes around a value that contains ': ', e.g. title: \"Mission: Impossible\""
    if "found undefined alias" in message:
        return "an alias (*name) needs an anchor (&name) earlier in the file; quote a value that starts with *"
    if "while scanning" in message:
        return "quote values that start with a special character such as @, `, %, *, & or !"
    return "check the YAML syntax; quote values that contain ': ' or ' #'"


def _cut_by_comment(
    node: yaml.Node, source: list[str], prefix: str, line_offset: int, out: list[tuple[str, int]]
) -> None:
    """Find unquoted text values followed by `` #`` on their line: YAML cut them there."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                _cut_by_comment(
                    value_node,
                    source,
                    f"{prefix}.{key_node.value}" if prefix else str(key_node.value),
                    line_offset,
                    out,
                )
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _cut_by_comment(item, source, f"{prefix}[{index}]", line_offset, out)
    elif (
        isinstance(node, yaml.ScalarNode)
        and not node.style
        and node.tag == "tag:yaml.org,2002:str"
        and node.value
        and node.end_mark.line < len(source)
    ):
        rest = source[node.end_mark.line][node.end_mark.column :]
        if re.match(r"[ \t]+#", rest):
            out.append((prefix, node.end_mark.line + 1 + line_offset))


def load_yaml(
    text: str | bytes, path: str, line_offset: int = 0, cut: list[tuple[str, int]] | None = None
) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document strictly; return the data and the line of every key.

    ``line_offset`` is the number of file lines before the YAML text, so reported lines
    are lines of the file. When ``cut`` is a list, the key and line of every unquoted text
    value that a `` #`` comment cut short are appended to it. Raises ``YamlError`` with one
    ``Problem``.
    """
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        plain = text if isinstance(text, str) and _plainly_small(text) else None
        if plain is None:
            _check_size(node, path, line_offset)
        bad = (
            None
            if plain is not None and FORBIDDEN.search(plain) is None
            else _forbidden_scalar(node, "")
        )
        if bad is not None:
            key, where, char = bad
            raise YamlError(
                error(
                    path,
                    where.start_mark.line + 1 + line_offset,
                    f"{repr(key) if key else 'the value'} contains {character_name(char)}",
                    "remove it: feeds and pages cannot carry it; in quotes, an escape such as "
                    "\\u0001, \\x1b or \\0 writes one",
                )
            )
        lines: dict[str, int] = {}
        _key_lines(node, "", line_offset, lines)
        if cut is not None and isinstance(text, str) and "#" in text:
            _cut_by_comment(node, text.split("\n"), "", line_offset, cut)
        data = loader.construct_document(node)
    except _DuplicateKey as dup:
        raise YamlError(
            error(
                path,
                dup.line + 1 + line_offset,
                f"duplicate key {dup.key!r}",
                f"it is already set on line {dup.first_line + 1 + line_offset}; keep one",
            )
        ) from None
    except yaml.MarkedYAMLError as exc:
        opened = exc.context_mark is not None and any(
            word in str(exc.context) for word in ("flow", "quoted scalar", "block scalar")
        )
        mark = exc.context_mark if opened else (exc.problem_mark or exc.context_mark)
        line = mark.line + 1 + line_offset if mark is not None else None
        message = " ".join(str(part) for part in (exc.problem, exc.context) if part)
        source = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        bad_line = (
            source.split("\n")[mark.line]
            if mark is not None and mark.line < source.count("\n") + 1
            else ""
        )
        hint = "indent with spaces, not tabs" if "\t" in bad_line else _hint_for(message)
        raise YamlError(error(path, line, f"invalid YAML: {message}", hint)) from None
    except yaml.reader.ReaderError as exc:  # not UTF-8, or a character YAML does not allow
        if isinstance(text, bytes):
            try:
                text.decode("utf-8")
            except UnicodeDecodeError as bad:
                line = text.count(b"\n", 0, bad.start) + 1 + line_offset
                raise YamlError(
                    error(
                        path,
                        line,
                        f"the file is not UTF-8 (byte 0x{text[bad.start]:02x})",
                        "save it as UTF-8 in your editor",
                    )
                ) from None
            line = text.count(b"\n", 0, exc.position) + 1 + line_offset
        else:
            line = text.count("\n", 0, exc.position) + 1 + line_offset
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        )
        what = (
            f"the control character U+{code:04X}"
            if code >= 0
            else "a character YAML does not allow"
        )
        raise YamlError(
            error(
                path,
                line,
                f"the text contains {what}",
                "delete it, invisible in most editors, and save the file as plain UTF-8",
            )
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise YamlError(error(path, None, f"invalid YAML: {message}", _hint_for(message))) from None
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:
        raise YamlError(
            error(path, 1 + line_offset, f"invalid YAML value: {exc}", "quote the value")
        ) from None
    finally:
        loader.dispose()
    return data, lines


@dataclass(frozen=True)
class Document:
    """A Markdown source split into its front matter and body."""

    yaml_text: str
    yaml_line: int
    """Line of the file where the YAML starts (the line after the opening ``---``)."""
    body: str
    body_line: int
    """Line of the file where the body starts."""
    unclosed: Unclosed | None = None
    """Where the YAML goes on after a blank line, perhaps into the text (``_after_blank``)."""


def decode(raw: bytes, path: str) -> str:
    """UTF-8 text with the BOM removed and line ends made ``\\n``; a ``YamlError`` otherwise."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlError(
            error(
                path,
                line,
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x})",
                "save it as UTF-8 in your editor",
            )
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise YamlError(
            error(path, line, "the file contains a NUL character", "save it as plain UTF-8 text")
        )
    return text


_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def split_document(text: str, path: str) -> Document:
    """Split ``---`` front matter from the body; a ``YamlError`` when it is missing or unclosed."""
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip() != "---":
        raise YamlError(
            error(
                path,
                1,
                "the file does not start with front matter",
                "begin it with a line of three dashes ---, then title: and date:, then ---",
            )
        )
    if first_end < 0:
        raise YamlError(
            error(
                path, 1, "the front matter is not closed", "end it with a line of three dashes: ---"
            )
        )
    closing = _CLOSING.search(text, first_end + 1)
    if closing is None:
        raise YamlError(
            error(
                path, 1, "the front matter is not closed", "end it with a line of three dashes: ---"
            )
        )
    yaml_text = text[first_end + 1 : closing.start()]
    body_start = closing.end() + 1
    body_line = text.count("\n", 0, body_start) + 1
    return Document(yaml_text, 2, text[body_start:], body_line, _after_blank(yaml_text, 2))


_AFTER_BLANK = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*(?=[^\s#])")


def _after_blank(yaml_text: str, yaml_line: int) -> Unclosed | None:
    """The first line of the YAML that starts a new top-level line after a blank one, and the
    last line before that blank; None when there is none. Front matter seldom has a blank
    line: text there is most often the post's first paragraph, its closing ``---`` forgotten
    (a later ``---`` in the body then closed it)."""
    found = _AFTER_BLANK.search(yaml_text)
    if found is None:
        return None
    last = yaml_text.count("\n", 0, found.start()) + yaml_line
    return Unclosed(last, yaml_text.count("\n", 0, found.end()) + yaml_line)


@dataclass(frozen=True)
class Unclosed:
    """Where front matter that may have been left open reads on into the text."""

    last: int
    """The file line of the last front-matter line before the blank one."""
    first: int
    """The file line of the first line after it."""

    def problem(self, path: str, message: str, line: int | None = None) -> Problem:
        """The error of a line (``first`` by default) that is text rather than a key."""
        return error(
            path,
            self.first if line is None else line,
            f"{message}: the front matter seems not closed, so the text was read as YAML",
            f"end the front matter with a line of three dashes --- after line {self.last}",
        )
