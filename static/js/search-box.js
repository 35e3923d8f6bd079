// The header's search box: shown only when scripts run (without them the header keeps its
// link to the search page). Submitting opens /search/?q=… on this site.
document.querySelectorAll("[data-search-box]").forEach(function (box) {
  var form = box.querySelector("form");
  var link = box.querySelector("a");
  if (!form || !link) return;
  form.hidden = false;
  link.hidden = true;
});
