// Trailers: the link dressed as a player becomes the real player (youtube-nocookie.com or
// Vimeo with dnt=1) only when it is clicked. Without JavaScript it stays a link to the video.
(function () {
  if (window.newsreelTrailers) return;
  window.newsreelTrailers = true;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.trailer__link[data-embed]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var src = link.getAttribute("data-embed");
    if (!/^https:\/\/(www\.youtube-nocookie\.com|player\.vimeo\.com)\//.test(src)) return;
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = link.getAttribute("data-title") || "Video player";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.allowFullscreen = true;
    frame.className = "trailer__player";
    link.replaceWith(frame);
    frame.focus();
  });
})();
