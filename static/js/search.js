// The search page: Pagefind's interface over the index in /pagefind/ (all files of this site:
// no request leaves it). Words given as ?q= (the header's box) are searched at once.
(function () {
  var root = document.getElementById("search");
  if (!root) return;
  if (typeof PagefindUI === "undefined") {
    root.querySelector("[data-search-status]").textContent =
      "The search index is not there yet. Reload this page in a moment.";
    return;
  }
  var status = root.querySelector("[data-search-status]");
  if (status) status.remove();
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: root.getAttribute("data-bundle"),
    showImages: true,
    showSubResults: false,
    resetStyles: false,
    autofocus: true,
  });
  // Pagefind names its box only by a title, which axe and some screen readers do not take
  // as a label: give it one.
  var box = root.querySelector(".pagefind-ui__search-input");
  if (box) box.setAttribute("aria-label", "Search this site");
  var words = new URLSearchParams(window.location.search).get("q");
  if (words) ui.triggerSearch(words);
})();
