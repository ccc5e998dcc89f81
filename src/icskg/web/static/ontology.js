// /def/: narrow the index of terms to those whose label, name or definition holds every word typed.
(function () {
  "use strict";
  var input = document.getElementById("term-filter");
  var count = document.getElementById("term-filter-count");
  if (!input) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("#term-index li[data-text]"));
  var modules = Array.prototype.slice.call(document.querySelectorAll("#term-index section.module-index"));
  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var text = li.getAttribute("data-text");
      var match = words.every(function (w) { return text.indexOf(w) >= 0; });
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    modules.forEach(function (m) { m.hidden = !m.querySelector("li[data-text]:not([hidden])"); });
    count.textContent = words.length ? shown + " of " + items.length + " shown" : "";
  }
  input.addEventListener("input", filter);
}());
