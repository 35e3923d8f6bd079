"""Render each partial once per distinct input: a post's row, card or feed entry is the same
on every listing, term page and feed that shows it, so it is made once and reused.

``FragmentMemo.install(env)`` wraps every template under ``partials/`` (the built-in theme's
or the site's own override) that can be memoised. The memo key of one inclusion is made, like a
page key, from exactly what the partial can read: each name it uses from its caller's context
(found in its syntax tree, and in those of the templates it includes), by value for plain
values and by identity for model objects (kept alive by the memo, so an identity is never
reused); a name used only as ``name.attr`` counts by those attributes alone (``page.preview``,
not the whole page), unless its class says it counts whole (``memo_whole``: a post, frozen and
one object per post, is keyed by itself rather than by a dozen fields and its body). The posts
a partial read through a term's ``PostList`` while it rendered are noted again for every page
that reuses it, so page keys see the same reads.

A partial is rendered every time (never memoised) when it extends or defines blocks or
macros, includes a template by a computed name, or may change its caller's state (``{% set
ns.x %}``, ``.append()`` and the like). Templates are assumed to be what the page keys already
assume: functions of their context.
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from types import MethodType
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import nodes
from jinja2.runtime import Context
from jinja2.utils import _PassArg
from markupsafe import Markup

from newsreel.codecache import SignedBytecodeCache
from newsreel.hashing import hash_text
from newsreel.model import READS

LIMIT = 20 << 20
"""Memory (roughly: the texts and their keys) one build process spends on rendered fragments
for a site of up to ``LIMIT_POSTS`` posts, and in proportion beyond (``FragmentMemo.size_for``);
past it, the half least recently used is let go. A 10,000-post site holds about 50 MB of rows
and feed entries: keeping them all costs more memory than it saves time. A fixed limit kept a
smaller share of a larger site's fragments: 40,000 posts built in 6.2× the time of 10,000.
(It was 12 MB while a feed entry's key held a copy of the post's body, which the count left
out: the same memory now holds twice the entries, UTF-8 (``_held``) and keyed by the body's
hash (``_LONG_TEXT``). 20 MB, not 24: a 10,000-post build stays under 500 MB (tree PSS).)"""
LIMIT_POSTS = 10_000
_ENTRY = 600
"""About what one entry's key and bookkeeping take besides its text, in bytes."""
PREFIX = "partials/"
"""Templates under this folder are fragments (the theme's partials and a site's overrides)."""
_PLAIN = (str, int, float, bool, type(None), datetime, date)
_MUTATORS = frozenset(
    {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add"}
)
_SHORT_PLAIN = frozenset(_PLAIN)
"""The types in ``_PLAIN`` exactly (a subclass such as ``Markup`` keys by its own rule)."""
_MISSING = object()
STORE = "fragments.json"
"""Beside the compiled templates: how each partial reads its caller (``FragmentMemo.reads``)."""


@dataclass(frozen=True)
class Reads:
    """How a fragment reads its caller's context: by name, whole or by attribute."""

    whole: tuple[str, ...]
    attrs: tuple[tuple[str, tuple[str, ...]], ...]


_Done = tuple[str | bytes, tuple[str, ...], Any, tuple[Any, ...]]
"""A rendered fragment: its text (``_held``), the posts it read, the names it set, the objects
keyed."""


def _held(text: str) -> str | bytes:
    """``text`` as the memo holds it: UTF-8 when Python keeps it in two or four bytes a
    character (one curly quote does that to a whole feed entry), which halves what a
    fragment takes; decoding it again costs a few microseconds a hit."""
    if text.isascii():
        return text
    encoded = text.encode("utf-8")
    return encoded if len(encoded) < sys.getsizeof(text) - _STR_HEADER else text


_STR_HEADER = sys.getsizeof("\u0100") - 2
"""What a ``str`` of two-byte characters takes besides them."""
_LONG_TEXT = 1024
"""A text longer than this (a post's body) is part of a memo key by its hash, not itself:
the key would otherwise hold a copy of every body, more than the fragment's own text."""


class _Unsuitable(Exception):
    """The fragment cannot be memoised."""


class FragmentMemo:
    """Rendered partials of one build process, by the values they read."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self._reads: dict[str, Reads | None] = {}
        self._store: dict[str, Any] | None = None
        self._done: OrderedDict[tuple[Any, ...], _Done] = OrderedDict()
        self._bytes = 0
        """Memory the held texts take; past ``limit`` the oldest fragments are let go."""
        self.limit = self.size = LIMIT
        """``limit``: this process's; ``size``: what one process holds (``size_for``)."""
        self.hits = 0
        self.misses = 0
        self._kinds: dict[type, str] = {}
        """``_kind_of`` each type a fragment's key met."""

    def size_for(self, posts: int) -> None:
        """Hold the same share of a site's fragments whatever its size: ``LIMIT`` up to
        ``LIMIT_POSTS`` posts, in proportion beyond."""
        self.limit = self.size = max(LIMIT, LIMIT * posts // LIMIT_POSTS)

    def take_share(self, share: float, processes: int) -> None:
        """Hold ``share`` of what ``processes`` rendering one site hold together (at least an
        eighth of one's own): the process that renders most of the pages listing posts, whose
        fragments recur, holds most of them; one that renders post pages, whose leads recur
        on no other page, holds little. (4,000 posts: 20,498 fragments rendered instead of
        24,563, where 20,490 are distinct; 10,000 posts: 431 MiB at the peak instead of 440.)"""
        self.limit = max(self.size // 8, int(self.size * processes * share))

    def install(self) -> None:
        """Memoise the partials the environment loads from now on."""
        memo = self

        base: type[jinja2.Template] = self.env.template_class

        class MemoTemplate(base):  # type: ignore[valid-type,misc]
            @classmethod
            def _from_namespace(
                cls, environment: jinja2.Environment, namespace: Any, globals: Any
            ) -> jinja2.Template:
                template: jinja2.Template = super()._from_namespace(environment, namespace, globals)
                name = template.name or ""
                if name.startswith(PREFIX):
                    memo.wrap(template)
                return template

        self.env.template_class = MemoTemplate

    # --- analysis --------------------------------------------------------------------
    def reads(self, name: str) -> Reads | None:
        """What ``name`` reads from its caller (None: never memoise it)."""
        if name not in self._reads:
            self._reads[name] = None  # a template that includes itself is not memoised
            stored, known = self._recall(name)
            if stored:
                self._reads[name] = known
                return known
            seen: set[str] = set()
            try:
                whole: set[str] = set()
                attrs: dict[str, set[str]] = {}
                try:
                    self._collect(name, whole, attrs, seen, top=True)
                except _Unsuitable:
                    self._remember(name, None, seen)
                    raise
                self._reads[name] = Reads(
                    tuple(sorted(whole)),
                    tuple(
                        (key, tuple(sorted(names)))
                        for key, names in sorted(attrs.items())
                        if key not in whole
                    ),
                )
                self._remember(name, self._reads[name], seen)
            except (_Unsuitable, jinja2.TemplateError, OSError, UnicodeDecodeError):
                self._reads[name] = None
        return self._reads[name]

    # The analysis parses each partial and those it includes: a tenth of a second a build
    # process, most of a build that patches a few pages. It is kept beside the compiled
    # templates (whose folder is named after newsreel's code), with the hash of every
    # template it read, and is used again while those templates are the same.
    def _code_cache(self) -> SignedBytecodeCache | None:
        cache = self.env.bytecode_cache
        return cache if isinstance(cache, SignedBytecodeCache) else None

    def _stored(self) -> dict[str, Any]:
        if self._store is None:
            self._store = {}
            cache = self._code_cache()
            payload = cache.read(STORE) if cache is not None else None
            try:
                data = json.loads(payload) if payload is not None else None
            except ValueError:
                data = None
            if isinstance(data, dict):
                self._store = data
        return self._store

    def _source_hash(self, name: str) -> str | None:
        loader = self.env.loader
        if loader is None:
            return None
        try:
            source, _, _ = loader.get_source(self.env, name)
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            return None
        return hash_text(source)

    def _recall(self, name: str) -> tuple[bool, Reads | None]:
        """(True, the stored analysis of ``name``) when every template it read is the same,
        else (False, None)."""
        entry = self._stored().get(name)
        try:
            deps, found = entry["deps"], entry["reads"]  # type: ignore[index]
            if not isinstance(deps, dict) or not deps:
                return False, None
            if any(self._source_hash(dep) != digest for dep, digest in deps.items()):
                return False, None
            if found is None:
                return True, None
            whole, attrs = found
            return True, Reads(
                tuple(str(n) for n in whole),
                tuple((str(key), tuple(str(n) for n in names)) for key, names in attrs),
            )
        except (TypeError, KeyError, ValueError):
            return False, None

    def _remember(self, name: str, found: Reads | None, seen: set[str]) -> None:
        cache = self._code_cache()
        deps = {dep: self._source_hash(dep) for dep in sorted(seen)}
        if cache is None or not deps or None in deps.values():
            return
        store = self._stored()
        store[name] = {
            "deps": deps,
            "reads": None if found is None else [list(found.whole), [list(a) for a in found.attrs]],
        }
        cache.write(STORE, json.dumps(store, sort_keys=True).encode("utf-8"))

    def _collect(
        self,
        name: str,
        whole: set[str],
        attrs: dict[str, set[str]],
        seen: set[str],
        top: bool,
    ) -> None:
        if name in seen:
            return
        seen.add(name)
        loader = self.env.loader
        if loader is None:
            raise _Unsuitable
        source, _, _ = loader.get_source(self.env, name)
        tree = self.env.parse(source, name)
        if top and any(tree.find_all((nodes.Extends, nodes.Block, nodes.Macro))):
            raise _Unsuitable
        if any(tree.find_all(nodes.NSRef)):
            raise _Unsuitable
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Getattr) and call.node.attr in _MUTATORS:
                raise _Unsuitable
        # Names of the environment's globals count too, as a caller's context may shadow them:
        # only Jinja's own (``range``, ``namespace``…) are left out.
        bare = jinja2.Environment()
        bare.filters, bare.tests = self.env.filters, self.env.tests
        tracker = jinja2.meta.TrackingCodeGenerator(bare)
        tracker.visit(tree)
        free = set(tracker.undeclared_identifiers)
        # A filter or function given the caller's context may read any name of it: it says
        # which (``reads_context``), or the fragment is not memoised. (Jinja's own filters take
        # the context only to call other filters and tests.)
        for node in tree.find_all((nodes.Filter, nodes.Test, nodes.Call)):
            func: Any = None
            if isinstance(node, nodes.Call):
                if isinstance(node.node, nodes.Name):
                    func = self.env.globals.get(node.node.name)
            elif isinstance(node, nodes.Filter):
                func = self.env.filters.get(node.name)
            elif isinstance(node, nodes.Test):
                func = self.env.tests.get(node.name)
            if func is None or _PassArg.from_obj(func) is None:
                continue
            if getattr(func, "__module__", "").startswith("jinja2."):
                continue
            names = getattr(func, "context_reads", None)
            if names is None:
                raise _Unsuitable
            whole.update(names)
        _uses(tree, free, whole, attrs)
        for ref in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            target = getattr(ref, "template", None)
            if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
                raise _Unsuitable
            if isinstance(ref, nodes.Extends) or getattr(ref, "with_context", True):
                # An import without context sees only the globals, which every page shares.
                self._collect(target.value, whole, attrs, seen, top=False)

    def _trim(self) -> None:
        """Let the least recently used half go."""
        while self._done and self._bytes > self.limit // 2:
            _, (held, *_rest) = self._done.popitem(last=False)
            self._bytes -= sys.getsizeof(held) + _ENTRY

    # --- rendering ---------------------------------------------------------------------
    def wrap(self, template: jinja2.Template) -> None:
        """Make ``template``'s render function reuse what it made for the same inputs."""
        reads = self.reads(template.name or "")
        if reads is None:
            return
        render: Callable[[Context], Iterator[str]] = template.root_render_func
        env = self.env
        name = template.name
        done = self._done
        memo = self

        kinds = self._kinds

        def part(value: Any, alive: list[Any]) -> Any:
            """``_part``, with the rule for the value's exact type looked up (``_kind_of``)."""
            kind = type(value)
            rule = kinds.get(kind)
            if rule is None:
                rule = kinds[kind] = _kind_of(kind)
            if rule is _BY_ID:
                alive.append(value)
                return ("id", id(value))
            if rule is _ITSELF and (kind is not str or len(value) <= _LONG_TEXT):
                return (kind, value)
            return _part(value, alive)

        def root(context: Context) -> Iterator[str]:
            parts: list[Any] = [name]
            alive: list[Any] = []
            try:
                for key in reads.whole:
                    parts.append(part(context.resolve_or_missing(key), alive))
                for key, names in reads.attrs:
                    value = context.resolve_or_missing(key)
                    if value is jinja2.utils.missing:
                        parts.append(_MISSING)
                        continue
                    if getattr(type(value), "memo_whole", False):  # (``model.Post``)
                        parts.append(part(value, alive))
                        continue
                    for attr in names:
                        parts.append(part(env.getattr(value, attr), alive))
                memo_key = tuple(parts)
                hash(memo_key)
            except Exception:  # noqa: BLE001 - a value we cannot key: render as usual
                yield from render(context)
                return
            found = done.get(memo_key)
            if found is not None:
                memo.hits += 1
                done.move_to_end(memo_key)
                held, read, exported, _ = found
                outer = READS.get()
                if outer is not None and read:
                    outer.update(read)
                if exported:
                    context.vars.update(exported[0])
                    context.exported_vars.update(exported[1])
                yield held if type(held) is str else held.decode("utf-8")  # type: ignore[union-attr]
                return
            memo.misses += 1
            outer = READS.get()
            mine: set[str] = set()
            token = READS.set(mine)
            try:
                text = "".join(render(context))
            finally:
                READS.reset(token)
            if outer is not None:
                outer.update(mine)
            exported = (
                ({k: context.vars[k] for k in context.exported_vars}, set(context.exported_vars))
                if context.exported_vars
                else None
            )
            # ``alive`` keeps the objects keyed by identity alive: no identity is ever reused.
            held = _held(text)
            done[memo_key] = (held, tuple(sorted(mine)), exported, tuple(alive))
            memo._bytes += sys.getsizeof(held) + _ENTRY
            if memo._bytes > memo.limit:
                memo._trim()
            yield text

        template.root_render_func = root


def reads_context(*names: str) -> Callable[[Any], Any]:
    """Mark a ``pass_context`` filter or function with the context names it reads (none for
    one that takes the context only to stay out of Jinja's constant folding)."""

    def mark(func: Any) -> Any:
        func.context_reads = names
        return func

    return mark


_ITSELF, _BY_ID, _OTHER = "itself", "by id", "other"
"""How a value of one exact type goes into a memo key (``_kind_of``)."""


def _kind_of(kind: type) -> str:
    """``_part``'s rule for every value of exactly this type: ``_ITSELF`` (a plain type; a long
    text goes by its hash), ``_BY_ID`` (its identity: the model's objects) or ``_OTHER`` (the
    rules of ``_part`` that look at the value)."""
    if kind in _SHORT_PLAIN:
        return _ITSELF
    if kind is type(jinja2.utils.missing) or issubclass(
        kind, (*_PLAIN, Markup, jinja2.Undefined, MethodType)
    ):
        return _OTHER
    return _BY_ID


def _part(value: Any, alive: list[Any]) -> Any:
    """A value's share of a memo key: itself when plain, else its identity (kept alive)."""
    kind = type(value)
    # (by exact type first: most of what a partial reads)
    if kind in _SHORT_PLAIN and (kind is not str or len(value) <= _LONG_TEXT):
        return (kind, value)
    if value is jinja2.utils.missing:
        return _MISSING
    if isinstance(value, str) and len(value) > _LONG_TEXT:
        return (type(value), len(value), hash_text(value))
    if isinstance(value, Markup):
        return (Markup, str(value))
    if isinstance(value, _PLAIN):
        return (type(value), value)
    if isinstance(value, jinja2.Undefined):
        return _MISSING
    if isinstance(value, MethodType):  # made anew on every access: by its object and function
        alive.append(value.__self__)
        return ("method", id(value.__self__), value.__func__)
    alive.append(value)
    return ("id", id(value))


def _uses(tree: nodes.Node, free: set[str], whole: set[str], attrs: dict[str, set[str]]) -> None:
    """Sort each use of a free name into whole reads and ``name.attr`` reads."""

    def visit(node: nodes.Node, parent: nodes.Node | None) -> None:
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in free:
            if isinstance(parent, nodes.Getattr) and parent.node is node:
                attrs.setdefault(node.name, set()).add(parent.attr)
            else:
                whole.add(node.name)
        for child in node.iter_child_nodes():
            visit(child, node)

    visit(tree, None)
