// A place's work by programme and theme (issue 18, "Place pages that answer"): on a narrow screen the
// programmes start folded, so that the page shows what it holds (each programme with its numbers here
// and city-wide) before the long lists, and so do the flat lists of the same initiatives below them;
// a tap opens one. Without script they stay open.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia("(max-width: 40rem)").matches) return;
    document.querySelectorAll("details.topic-fold[open], details.list-fold[open]").forEach(function (fold) { fold.open = false; });
  });
})();
