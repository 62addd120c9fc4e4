// Wide tables scroll sideways on narrow screens: make each scroll area reachable and named
// for keyboard and screen-reader users. (Charts need no script: they are inline SVG.)
(function () {
  function label() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (area) {
      if (area.hasAttribute("tabindex")) return;
      area.setAttribute("tabindex", "0");
      area.setAttribute("role", "region");
      var heading = area.previousElementSibling;
      while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
      area.setAttribute("aria-label", heading ? heading.textContent.replace("¶", "").trim() : "Table");
    });
  }
  if (typeof document$ !== "undefined") document$.subscribe(label);
  else document.addEventListener("DOMContentLoaded", label);
})();
