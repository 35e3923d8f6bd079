// newsreel serve: live reload for the preview. Added by the server to the HTML it serves,
// never written into a build. Listens to /__newsreel__/events (Server-Sent Events):
//   hello  {id}                     the server's id; a new id means the server restarted
//   build  {changed, removed, all}  a good build; URL paths whose output changed or went away
//   failed {problems}               a failed build; shown as an overlay until the next good one
// A page whose own output changed is fetched and its new content put in place of the old
// (no navigation: the writer sees the text change where they were reading); anything the
// page cannot take in place (other scripts or stylesheets, a failed fetch) reloads it.
(function () {
  "use strict";
  var me = document.currentScript;
  var pageId = me ? me.getAttribute("data-server-id") : null;
  var served = me ? me.getAttribute("data-page") : null;
  var errorPage = me ? me.hasAttribute("data-error-page") : false;
  var EVENTS = "/__newsreel__/events";
  var SCROLL_KEY = "newsreel:scroll:" + location.pathname;
  var OVERLAY_ID = "newsreel-build-error";

  function norm(path) {
    return path.replace(/\/index\.html$/, "/");
  }

  // Scroll position survives a reload through sessionStorage (per tab, per path).
  function restoreScroll() {
    var saved;
    try { saved = JSON.parse(sessionStorage.getItem(SCROLL_KEY) || "null"); } catch (e) { saved = null; }
    if (saved && typeof saved.y === "number") window.scrollTo(saved.x || 0, saved.y);
    return saved;
  }
  if (restoreScroll()) {
    window.addEventListener("load", function () {
      restoreScroll();
      try { sessionStorage.removeItem(SCROLL_KEY); } catch (e) { /* storage may be off */ }
      if ("scrollRestoration" in history) history.scrollRestoration = "auto";
    });
  }

  function reload() {
    try {
      sessionStorage.setItem(SCROLL_KEY, JSON.stringify({ x: window.scrollX, y: window.scrollY }));
      if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    } catch (e) { /* storage may be off: reload anyway */ }
    location.reload();
  }

  var ownSrc = me ? me.getAttribute("src") : null;

  function isStylesheet(node) {
    return node.tagName === "LINK" && /(^|\s)stylesheet(\s|$)/i.test(node.getAttribute("rel") || "");
  }

  // Stylesheets as the page links them (without the marks a stylesheet swap adds).
  function stylesheets(doc) {
    return Array.prototype.filter.call(doc.querySelectorAll("link"), isStylesheet).map(function (link) {
      return (link.getAttribute("href") || "").replace(/[?&]newsreel-reload=\d+$/, "");
    }).join("\n");
  }

  // Code other than this script and structured data: content swapped in place would not run it.
  function runsCode(doc) {
    return Array.prototype.some.call(doc.querySelectorAll("script"), function (script) {
      var src = script.getAttribute("src");
      if (src) return src !== ownSrc;
      return (script.getAttribute("type") || "").toLowerCase() !== "application/ld+json";
    });
  }

  function swapHead(head) {
    Array.prototype.slice.call(document.head.children).forEach(function (node) {
      if (!isStylesheet(node)) node.remove();
    });
    Array.prototype.slice.call(head.children).forEach(function (node) {
      if (!isStylesheet(node)) document.head.appendChild(document.adoptNode(node));
    });
  }

  var generation = 0;
  function refresh() {
    var mine = ++generation;
    fetch(location.href, { cache: "no-store", credentials: "same-origin" }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("text/html") !== 0) throw new Error("not a page now");
      return response.text();
    }).then(function (html) {
      if (mine !== generation) return; // a later build's fetch is on its way
      var next = new DOMParser().parseFromString(html, "text/html");
      if (runsCode(document) || runsCode(next) || stylesheets(document) !== stylesheets(next)) return reload();
      var x = window.scrollX, y = window.scrollY;
      swapHead(next.head);
      document.body.replaceWith(document.adoptNode(next.body)); // parsed scripts stay inert
      window.scrollTo(x, y);
      window.newsreelLive.updatedAt = Date.now(); // for tests and bench/serve_latency.py
    }).catch(function () {
      if (mine === generation) reload();
    });
  }

  // A CSS-only change: load each changed stylesheet again beside the old one, then drop the old.
  function swapStylesheets(paths) {
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    var matched = [];
    var all = [];
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin) return;
      all.push(link);
      if (paths.indexOf(url.pathname) >= 0) matched.push(link);
    });
    // A changed file no page links directly (an @import) still reaches the page: refresh them all.
    (matched.length ? matched : all).forEach(function (link) {
      var url = new URL(link.href, location.href);
      url.searchParams.set("newsreel-reload", String(Date.now()));
      var fresh = link.cloneNode(false);
      fresh.href = url.href;
      var done = false;
      fresh.onload = fresh.onerror = function () {
        if (done) return;
        done = true;
        link.remove();
      };
      link.after(fresh);
    });
  }

  function isPage(path) {
    return /\/$/.test(path) || /\.html?$/i.test(path);
  }

  function onBuild(data) {
    removeOverlay();
    if (errorPage || data.all) return reload();
    var here = [norm(location.pathname)];
    if (served) here.push(norm(served));
    var css = [];
    var changed = false;
    var other = false;
    (data.changed || []).forEach(function (path) {
      if (here.indexOf(norm(path)) >= 0) changed = true;
      else if (/\.css$/i.test(path)) css.push(path);
      else if (!isPage(path) && !/\.(xml|txt|json|webmanifest|map)$/i.test(path)) other = true; // an image, a script, a font
    });
    (data.removed || []).forEach(function (path) {
      // A page went away (a rename, a deletion): links to it changed elsewhere too.
      if (here.indexOf(norm(path)) >= 0 || isPage(path)) other = true;
    });
    if (other) return reload();
    if (css.length) swapStylesheets(css);
    if (changed) refresh();
  }

  function removeOverlay() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
  }

  function el(tag, text, style) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (style) node.setAttribute("style", style);
    return node;
  }

  // The overlay: plain DOM text (so every character of a message is escaped), role="alert" so
  // screen readers announce it, a real button to dismiss it, readable contrast.
  function showProblems(problems) {
    removeOverlay();
    var box = el("section", "", "position:fixed;inset:auto 0 0 0;max-height:70vh;overflow:auto;z-index:2147483647;" +
      "margin:0;padding:1rem 1.25rem;background:#1d1d1f;color:#f5f5f7;border-top:4px solid #ff453a;" +
      "font:15px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left;box-shadow:0 -4px 24px #0008");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    box.setAttribute("aria-live", "assertive");
    box.setAttribute("aria-labelledby", OVERLAY_ID + "-title");
    var title = el("h2", "newsreel: the site did not build", "margin:0 0 .5rem;font-size:1.1rem;color:#ff6961");
    title.id = OVERLAY_ID + "-title";
    box.appendChild(title);
    box.appendChild(el("p", "The preview shows the last good build. Fix the file; this goes away on the next good build.",
      "margin:0 0 .75rem;color:#d2d2d7"));
    var list = el("ul", "", "margin:0;padding:0 0 0 1.25rem");
    problems.forEach(function (p) {
      var item = el("li", "", "margin:0 0 .5rem");
      var where = p.line ? p.path + ":" + p.line : p.path;
      item.appendChild(el("strong", where, "color:#ffd60a"));
      item.appendChild(document.createTextNode(": " + p.message));
      if (p.hint) item.appendChild(el("div", p.hint, "color:#a1a1a6"));
      list.appendChild(item);
    });
    box.appendChild(list);
    var close = el("button", "Dismiss", "margin-top:.5rem;padding:.25rem .75rem;font:inherit;color:#1d1d1f;" +
      "background:#f5f5f7;border:0;border-radius:4px;cursor:pointer");
    close.type = "button";
    close.addEventListener("click", removeOverlay);
    box.appendChild(close);
    (document.body || document.documentElement).appendChild(box);
  }

  var knownId = pageId;
  function connect() {
    var source = new EventSource(EVENTS);
    source.addEventListener("hello", function (event) {
      var id = JSON.parse(event.data).id;
      // The server restarted since this page was served: its pages may differ now.
      if (knownId && id !== knownId) return reload();
      knownId = id;
      window.newsreelLive = { serverId: id, connected: true };
    });
    source.addEventListener("build", function (event) { onBuild(JSON.parse(event.data)); });
    source.addEventListener("failed", function (event) { showProblems(JSON.parse(event.data).problems || []); });
    source.onerror = function () {
      // EventSource retries by itself while the server is away; if it gave up, start again.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
    };
  }
  connect();
})();
