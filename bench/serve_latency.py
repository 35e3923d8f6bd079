"""Time from saving a post to its new text showing in Chromium, under ``newsreel serve``.

    .venv/bin/python bench/serve_latency.py                 # example blog, 2,000 and 10,000 posts
    .venv/bin/python bench/serve_latency.py example 2000    # some of them
    .venv/bin/python bench/serve_latency.py --saves 9 10000

For each site: copy the example blog (or generate N posts with ``bench/corpus.py``) into
``bench/work/``, start ``newsreel serve --port 0`` on it, open one post in headless
Chromium, then save that post several times the way an editor does (write a temp file,
rename it over the post) and time each save until the new text is on the page, with no
manual reload. Prints the median, the fastest and the slowest save (as Playwright sees the
text); when the browser showed it by its own clock (the moment the live-reload script put
the new content in place, or the first paint of a reloaded page); the server's own rebuild
time; and how many saves reloaded the page rather than updating it in place. Targets
(issue 5): median under 300 ms at 2,000 posts, under 500 ms at 10,000.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
MARKER = "SERVE-LATENCY-MARK"


@dataclass(frozen=True)
class Figures:
    site: str
    posts: int
    first_build: float
    saves: tuple[float, ...]
    rebuilds: tuple[float, ...]
    """Milliseconds, as the server printed them."""
    shown: tuple[float, ...]
    """Seconds from a save to the browser showing the new text, by the browser's clock."""
    reloads: int
    """Saves that reloaded the page (the rest were put in place)."""


def prepare(name: str) -> Path:
    """A site folder for ``name`` ("example" or a number of posts) under bench/work/."""
    if name == "example":
        site = WORK / "serve-example"
        shutil.rmtree(site, ignore_errors=True)
        site.mkdir(parents=True)
        for part in ("content", "templates", "static"):
            if (REPO / part).is_dir():
                shutil.copytree(REPO / part, site / part)
        shutil.copy2(REPO / "newsreel.yaml", site / "newsreel.yaml")
        return site
    sys.path.insert(0, str(HERE))
    import corpus  # bench/corpus.py: deterministic generated sites

    site = WORK / f"serve-corpus-{name}"
    if not corpus.is_generated(site, int(name)):
        corpus.generate(int(name), site)
    return site


def pick_post(site: Path) -> Path:
    """A post in the middle of the newest year: one that lists and term pages show."""
    posts = sorted((site / "content" / "posts").rglob("*.md"))
    return posts[-max(1, len(posts) // 50)]


def with_marker(text: str, mark: str) -> str:
    """The post with a marker paragraph at the top of its body (replacing an earlier one)."""
    text = re.sub(rf"\n\n{MARKER}-\d+\n", "\n", text)
    head, sep, body = text.partition("\n---\n")
    return f"{head}{sep}\n{mark}\n{body}"


def save_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.bench~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Server:
    """``newsreel serve`` in a subprocess, with its output collected."""

    def __init__(self, site: Path) -> None:
        tmp = WORK / "serve-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsreel", "serve", str(site), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
            env=dict(os.environ, TMPDIR=str(tmp), PYTHONUNBUFFERED="1"),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.url = ""
        self.tmp = tmp

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_ready(self, timeout: float = 1800) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise SystemExit("newsreel serve exited before serving") from None
                continue
            if line.startswith("serving http://"):
                self.url = line.split()[1]
                return time.perf_counter() - self.started
            if "error" in line or ":" in line and "failed" in line:
                print("  server:", line.rstrip())
        raise SystemExit("newsreel serve did not start in time")

    def output(self) -> Path:
        return next(self.tmp.glob("newsreel-serve-*/site"))

    def rebuild_times(self) -> list[float]:
        times = []
        while not self.lines.empty():
            found = re.match(r"rebuilt in (\d+) ms", self.lines.get())
            if found:
                times.append(float(found.group(1)))
        return times

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def url_of(server: Server, mark: str) -> str:
    """The served URL of the page whose text holds ``mark`` (found in the output folder)."""
    out = server.output()
    for page in (
        sorted((out / "posts").rglob("index.html"))
        if (out / "posts").is_dir()
        else sorted(out.rglob("index.html"))
    ):
        if mark in page.read_text(encoding="utf-8"):
            rel = page.parent.relative_to(out).as_posix()
            return server.url + rel + "/"
    raise SystemExit(f"no built page holds {mark}")


def measure(name: str, saves: int) -> Figures:
    from playwright.sync_api import sync_playwright

    site = prepare(name)
    post = pick_post(site)
    original = post.read_text(encoding="utf-8")
    posts = sum(1 for _ in (site / "content" / "posts").rglob("*.md"))
    save_atomic(post, with_marker(original, f"{MARKER}-0"))
    server = Server(site)
    try:
        first = server.wait_ready()
        url = url_of(server, f"{MARKER}-0")
        times: list[float] = []
        shown: list[float] = []
        reloads = 0
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            navigations: list[str] = []
            page.on(
                "framenavigated",
                lambda frame: navigations.append(frame.url) if frame == page.main_frame else None,
            )
            page.goto(url)
            page.wait_for_function(
                "() => window.newsreelLive && window.newsreelLive.connected", timeout=60_000
            )
            server.rebuild_times()
            for i in range(1, saves + 1):
                mark = f"{MARKER}-{i}"
                text = with_marker(original, mark)
                navigations.clear()
                started, saved_at = time.perf_counter(), time.time()
                save_atomic(post, text)
                page.wait_for_function(
                    "m => document.body && document.body.innerText.includes(m)",
                    arg=mark,
                    polling="raf",
                    timeout=120_000,
                )
                times.append(time.perf_counter() - started)
                if navigations:
                    # Reloaded: the first paint of the new page, by the browser's own paint timing.
                    reloads += 1
                    at = page.evaluate("""() => {
                        const paint = performance.getEntriesByName('first-contentful-paint')[0];
                        const nav = performance.getEntriesByType('navigation')[0];
                        return performance.timeOrigin + (paint ? paint.startTime : nav.domContentLoadedEventEnd); }""")
                else:  # put in place by the live-reload script, which notes when
                    at = page.evaluate("window.newsreelLive.updatedAt")
                shown.append(at / 1000 - saved_at)
                page.wait_for_function("() => window.newsreelLive && window.newsreelLive.connected")
                time.sleep(0.4)
            browser.close()
        rebuilds = server.rebuild_times()
    finally:
        server.stop()
        save_atomic(post, original)
    return Figures(name, posts, first, tuple(times), tuple(rebuilds), tuple(shown), reloads)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sites",
        nargs="*",
        default=["example", "2000", "10000"],
        help='"example" and/or numbers of generated posts (default: example 2000 10000)',
    )
    parser.add_argument("--saves", type=int, default=7, help="saves per site (default 7)")
    args = parser.parse_args(argv)
    rows = []
    for name in args.sites:
        print(f"{name}: preparing and serving…", flush=True)
        figures = measure(name, args.saves)
        ms = [t * 1000 for t in figures.saves]
        rebuild = f"{statistics.median(figures.rebuilds):.0f}" if figures.rebuilds else "?"
        shown = statistics.median(figures.shown) * 1000
        row = (
            f"| {figures.site} | {figures.posts} | {figures.first_build:.1f} s | {statistics.median(ms):.0f} ms "
            f"| {min(ms):.0f}–{max(ms):.0f} ms | {shown:.0f} ms | {rebuild} ms | {figures.reloads} of {len(ms)} |"
        )
        print(row, flush=True)
        rows.append(row)
    print(
        f"\nsave → new text found in Chromium by Playwright, {args.saves} saves each (median, range); "
        "shown = save → the browser showing it, by its own clock; rebuild = the server's own build "
        "time (medians); reloads = saves that reloaded the page instead of updating it in place"
    )
    print("| site | posts | first build | median | range | shown | rebuild | reloads |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
