// Copy buttons: a button with data-copy="ID" copies the value of the
// input with that id. Without this script the input is still there to
// select and copy by hand.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  var input = document.getElementById(b.dataset.copy);
  if (!input || !navigator.clipboard) return;
  b.hidden = false;
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(input.value).then(function () {
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = "Copy"; }, 2000);
    });
  });
});

// Filters: on a narrow screen the facets start folded behind a "Filters"
// button, so results come first; without this script they stay open.
(function () {
  var f = document.querySelector("details.filters");
  if (f && window.matchMedia("(max-width: 859px)").matches) f.open = false;
})();
