"""Partials rendered once per distinct input (``newsreel.fragments``): the reuse must never
show one page's fragment on another, and the posts a fragment read still count for every page
that shows it."""

from __future__ import annotations

from pathlib import Path

import jinja2
from sitekit import newsreel, post, tree_hashes, write_site

from newsreel.codecache import SignedBytecodeCache, machine_key
from newsreel.fragments import FragmentMemo, reads_context
from newsreel.incremental.keys import recording
from newsreel.model import PostList


def _env(templates: dict[str, str]) -> tuple[jinja2.Environment, FragmentMemo]:
    env = jinja2.Environment(loader=jinja2.DictLoader(templates), autoescape=True)
    memo = FragmentMemo(env)
    memo.install()
    return env, memo


def test_a_fragment_is_reused_only_for_the_same_inputs() -> None:
    env, memo = _env(
        {
            "page.html": "{% for item in items %}[{% include 'partials/row.html' %}]{% endfor %}",
            "partials/row.html": "{{ item.name }}/{{ page.kind }}",
        }
    )

    class Item:
        def __init__(self, name: str) -> None:
            self.name = name

    a, b = Item("a"), Item("b")
    page = env.get_template("page.html")
    assert page.render(items=[a, b, a], page={"kind": "x"}) == "[a/x][b/x][a/x]"
    assert page.render(items=[a], page={"kind": "y"}) == "[a/y]"
    assert memo.hits == 1 and memo.misses == 3
    assert memo.reads("partials/row.html").attrs == (("item", ("name",)), ("page", ("kind",)))


def test_long_texts_key_by_their_hash_and_are_held_as_utf8() -> None:
    """A body longer than ``_LONG_TEXT`` is keyed by its hash: two bodies of one length that
    differ in one character are two fragments, the same body (another object) is one. A
    fragment with a curly quote is held in UTF-8 and given back as it was rendered."""
    from markupsafe import Markup

    from newsreel.fragments import _LONG_TEXT

    env, memo = _env(
        {
            "page.html": "{% for body in bodies %}{% include 'partials/entry.xml' %}|{% endfor %}",
            "partials/entry.xml": "<e>\u2019{{ body }}</e>",
        }
    )
    first = "a" * (_LONG_TEXT + 10)
    second = first[:-1] + "b"
    bodies = [Markup(first), Markup(second), Markup("".join(first))]
    text = env.get_template("page.html").render(bodies=bodies)
    assert text.split("|")[:3] == [f"<e>\u2019{b}</e>" for b in (first, second, first)]
    assert memo.misses == 2 and memo.hits == 1
    held = [entry[0] for entry in memo._done.values()]
    assert all(isinstance(h, bytes) for h in held)
    assert all(len(h) < len(first) + 100 for h in held)  # (not the memo key's copy)
    parts = [p for key in memo._done for part in key[1:] for p in part]
    assert [Markup, len(first)] == parts[:2] and not any(
        isinstance(p, str) and len(p) > _LONG_TEXT for p in parts
    )


def test_the_rule_looked_up_by_type_keys_every_value_as_part_does() -> None:
    """The memo picks a key rule by a value's exact type (``_kind_of``): for every kind of
    value a template passes (plain, long text, ``Markup``, a subclass of a plain type,
    undefined, missing, a bound method, an object of the model), it keys as ``_part``."""
    import datetime as dt
    from types import SimpleNamespace

    from markupsafe import Markup

    from newsreel.fragments import _BY_ID, _ITSELF, _LONG_TEXT, _kind_of, _part

    class Text(str):
        pass

    model_object = SimpleNamespace(name="x")
    values = [
        "short", "l" * (_LONG_TEXT + 1), 3, 2.5, True, None, dt.date(2024, 1, 2),
        dt.datetime(2024, 1, 2, 3, 4), Markup("<b>"), Text("sub"), jinja2.Undefined(),
        jinja2.utils.missing, model_object.__eq__, "".join, model_object, [1], (1, 2), {"a": 1},
    ]  # fmt: skip
    for value in values:
        rule = _kind_of(type(value))
        expected = _part(value, [])
        if rule == _BY_ID:
            assert expected == ("id", id(value)), value
        elif rule == _ITSELF and not (type(value) is str and len(value) > _LONG_TEXT):
            assert expected == (type(value), value), value
    assert _kind_of(SimpleNamespace) == _BY_ID and _kind_of(str) == _ITSELF
    assert _kind_of(Markup) != _BY_ID and _kind_of(Text) != _BY_ID


def test_an_object_that_counts_whole_is_keyed_by_itself() -> None:
    """``memo_whole`` (a post): the fragment is keyed by the object, its fields never read
    for the key; an equal but other object is another fragment."""
    env, memo = _env(
        {
            "page.html": "{% for post in posts %}{% include 'partials/row.html' %};{% endfor %}",
            "partials/row.html": "{{ post.title }}",
        }
    )

    class Whole:
        memo_whole = True
        reads = 0

        def __init__(self, title: str) -> None:
            self._title = title

        @property
        def title(self) -> str:
            Whole.reads += 1
            return self._title

    a, b = Whole("a"), Whole("a")
    assert env.get_template("page.html").render(posts=[a, a, b, a]) == "a;a;a;a;"
    assert memo.misses == 2 and memo.hits == 2
    assert Whole.reads == 2  # (rendering only: the key read no field)


def test_unsafe_fragments_are_rendered_every_time() -> None:
    env, memo = _env(
        {
            "page.html": "{% set ns = namespace(n=0) %}"
            "{% for i in [1, 2, 3] %}{% include 'partials/count.html' %}{% endfor %}{{ ns.n }}",
            "partials/count.html": "{% set ns.n = ns.n + 1 %}.",
            "partials/dynamic.html": "{% include name %}",
            "partials/block.html": "{% block x %}{% endblock %}",
            "partials/mutates.html": "{{ items.append(1) }}",
        }
    )
    assert env.get_template("page.html").render() == "...3"
    for name in ("count", "dynamic", "block", "mutates"):
        assert memo.reads(f"partials/{name}.html") is None
    assert memo.hits == 0


def test_context_filters_name_what_they_read() -> None:
    @reads_context("poster")
    @jinja2.pass_context
    def framed(context: jinja2.runtime.Context, value: str) -> str:
        return f"{value}@{context.get('poster')}"

    @jinja2.pass_context
    def anything(context: jinja2.runtime.Context, value: str) -> str:
        return value

    env, memo = _env(
        {
            "partials/a.html": "{{ 'x'|framed }}",
            "partials/b.html": "{{ 'x'|anything }}",
            "page.html": "{% include 'partials/a.html' %}",
        }
    )
    env.filters.update(framed=framed, anything=anything)
    assert memo.reads("partials/a.html").whole == ("poster",)
    assert memo.reads("partials/b.html") is None
    page = env.get_template("page.html")
    assert [page.render(poster=p) for p in ("1", "2", "1")] == ["x@1", "x@2", "x@1"]
    assert memo.hits == 1


def test_posts_a_reused_fragment_read_count_for_every_page() -> None:
    env, memo = _env(
        {
            "page.html": "{% include 'partials/first.html' %}",
            "partials/first.html": "{{ posts[0] }}",
        }
    )
    posts = PostList(["content/posts/a.md", "content/posts/b.md"], lambda source: source)
    page = env.get_template("page.html")
    for _ in range(2):
        with recording() as reads:
            assert page.render(posts=posts) == "content/posts/a.md"
        assert reads == {"content/posts/a.md"}
    assert memo.hits == 1


def test_site_partials_that_read_the_page_show_each_page_s_own(tmp_path: Path) -> None:
    """A site's own post_row.html that shows the term and page it is on: rows are not shared
    between pages, and a warm build still equals a cold one."""
    files = {
        "newsreel.yaml": "title: T\nbase_url: https://example.org/\nsearch: false\n"
        "social_cards: false\n",
        "templates/partials/post_row.html": (
            "<p class=row>{{ post.title }} on {{ page.title }} ({{ term.name if term is defined "
            "else 'home' }})</p>\n"
        ),
    }
    for i in range(6):
        files[f"content/posts/p{i}.md"] = post(
            f"Post {i}", date=f"2023-01-0{i + 1}", film="Dune", actors="[Ann Lee, Bo Kim]"
        )
    site = write_site(tmp_path / "blog", files)
    assert newsreel("build", site, "--no-cache").returncode == 0
    ann = (site / "site/actors/ann-lee/index.html").read_text()
    bo = (site / "site/actors/bo-kim/index.html").read_text()
    assert "Post 3 on Ann Lee · T (Ann Lee)" in ann
    assert "Post 3 on Bo Kim · T (Bo Kim)" in bo and "(Ann Lee)" not in bo
    cold = tree_hashes(site / "site")
    (site / "content/posts/p3.md").write_text(
        post("Post 3 renamed", date="2023-01-04", film="Dune", actors="[Ann Lee, Bo Kim]")
    )
    assert newsreel("build", site).returncode == 0
    warm = tree_hashes(site / "site")
    assert newsreel("build", site, "--no-cache", "-o", tmp_path / "cold").returncode == 0
    assert warm == tree_hashes(tmp_path / "cold")
    assert warm != cold


def test_past_its_limit_the_memo_lets_the_oldest_go(monkeypatch: object) -> None:
    import newsreel.fragments as fragments

    monkeypatch.setattr(fragments, "LIMIT", 8000)  # type: ignore[attr-defined]
    env, memo = _env(
        {
            "page.html": "{% for n in numbers %}{% include 'partials/n.html' %},{% endfor %}",
            "partials/n.html": "{{ n }}{{ pad }}",
        }
    )
    page = env.get_template("page.html")
    pad = "x" * 200
    numbers = list(range(40))
    expected = ",".join(f"{n}{pad}" for n in numbers) + ","
    assert page.render(numbers=numbers, pad=pad) == expected
    assert memo._bytes <= 8000 and len(memo._done) < 40
    assert page.render(numbers=numbers, pad=pad) == expected  # the dropped ones are made again


KEY = b"a key for this test".ljust(32, b".")


def test_compiled_templates_are_loaded_again_only_under_their_key(tmp_path: Path) -> None:
    """A second process loads what the first compiled; another key, a changed byte or a
    changed template means compiling again (and the file is sealed anew)."""
    folder, compiled = tmp_path / "templates", tmp_path / "compiled"
    folder.mkdir()
    compiled.mkdir()
    (folder / "page.html").write_text("{{ 40 + n }}")
    compiles: list[str] = []

    def page(key: bytes) -> str:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            bytecode_cache=SignedBytecodeCache(compiled, key),
        )
        real = env.compile

        def counted(*args: object, **kwargs: object) -> object:
            compiles.append("page")
            return real(*args, **kwargs)  # type: ignore[arg-type]

        env.compile = counted  # type: ignore[method-assign,assignment]
        return env.get_template("page.html").render(n=2)

    assert page(KEY) == "42" and len(compiles) == 1
    (stored,) = compiled.iterdir()
    assert page(KEY) == "42" and len(compiles) == 1  # loaded, not compiled
    assert page(KEY[::-1]) == "42" and len(compiles) == 2  # another machine's file
    assert page(KEY[::-1]) == "42" and len(compiles) == 2  # sealed anew with that key
    data = stored.read_bytes()
    stored.write_bytes(data[:40] + bytes([data[40] ^ 1]) + data[41:])
    assert page(KEY[::-1]) == "42" and len(compiles) == 3
    (folder / "page.html").write_text("{{ 1 + n }}")
    assert page(KEY[::-1]) == "3" and len(compiles) == 4
    stored.write_bytes(b"")
    assert page(KEY[::-1]) == "3" and len(compiles) == 5


def test_the_key_is_this_boot_s() -> None:
    """Linux gives a boot id (the suite runs there): one key, the same on every call."""
    key = machine_key()
    assert key is not None and len(key) == 32 and key == machine_key()


def test_the_analysis_is_kept_for_the_next_process_while_the_templates_are_the_same(
    tmp_path: Path,
) -> None:
    """How a partial reads its caller is stored beside the compiled templates and used again
    by the next build process, until the partial or a template it includes changes."""
    folder = tmp_path / "templates"
    (folder / "partials").mkdir(parents=True)
    (folder / "page.html").write_text("{% include 'partials/row.html' %}")
    (folder / "partials/row.html").write_text("{{ item.name }}{% include 'partials/x.html' %}")
    (folder / "partials/x.html").write_text("")
    compiled = tmp_path / "compiled"
    compiled.mkdir()

    def analysis(parse: bool = True) -> tuple[object, FragmentMemo]:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            bytecode_cache=SignedBytecodeCache(compiled, KEY),
        )
        if not parse:

            def refuse(*args: object, **kwargs: object) -> None:
                raise AssertionError("parsed again")

            env.parse = refuse  # type: ignore[method-assign]
        memo = FragmentMemo(env)
        return memo.reads("partials/row.html"), memo

    first, _ = analysis()
    assert first is not None and first.attrs == (("item", ("name",)),)
    assert (compiled / "fragments.json").is_file()
    again, _ = analysis(parse=False)
    assert again == first  # read back, not parsed
    (folder / "partials/x.html").write_text("{{ page.kind }}")  # an included partial changed
    changed, _ = analysis()
    assert changed is not None and ("page", ("kind",)) in changed.attrs
    (folder / "partials/row.html").write_text("{% set ns.x = 1 %}")  # now unsuitable
    assert analysis()[0] is None


def test_the_memo_holds_the_same_share_of_a_larger_site() -> None:
    """12 MB a process up to 10,000 posts, in proportion beyond: a fixed limit held a smaller
    share of a larger site's fragments, which were then rendered again and again."""
    from newsreel.fragments import LIMIT, LIMIT_POSTS

    memo = FragmentMemo(jinja2.Environment())
    for posts, limit in ((0, LIMIT), (LIMIT_POSTS, LIMIT), (4 * LIMIT_POSTS, 4 * LIMIT)):
        memo.size_for(posts)
        assert memo.limit == limit


def test_templates_globals_are_the_environment_s_and_their_own_as_in_jinja() -> None:
    """The renderer's environment keeps Jinja's rules for globals (its ``keys`` only are a
    set): a global set after a template was loaded is seen, a template's own globals stay its
    own, and a macro file imported with or without the caller's globals behaves the same."""
    from newsreel.render import _Environment

    env = _Environment(
        loader=jinja2.DictLoader(
            {
                "macros.html": "{% macro hi(n) %}hi {{ n }}{{ mark }}{% endmacro %}",
                "page.html": "{% import 'macros.html' as m %}{{ m.hi(name) }}|{{ own }}",
            }
        )
    )
    env.globals["mark"] = "!"
    page = env.get_template("page.html", globals={"own": "mine"})
    env.globals["mark"] = "?"  # (after loading: still seen, as Jinja's ChainMap has it)
    assert page.render(name="Ann") == "hi Ann?|mine"
    assert "own" not in env.get_template("macros.html").globals
    assert set(page.globals.keys()) >= {"own", "mark", "range"}
