// Browse (issue 18, "Phone first"): on a narrow screen the facets start folded, so that the results
// are the first thing below the heading; a tap on "Filters" opens them. Without script they stay open.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia("(max-width: 56rem)").matches) return;
    document.querySelectorAll("details.facets-fold[open]").forEach(function (fold) { fold.open = false; });
  });
})();
