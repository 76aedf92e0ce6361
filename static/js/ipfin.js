// Small behaviours kept out of inline scripts (the CSP allows scripts from our own origin only).
document.documentElement.classList.add("js");
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});

// A wide table scrolls inside its own box; a box that scrolls must be reachable with the keyboard (and named, so a
// screen reader says what it is).
function markScrollableTables(root) {
  (root || document).querySelectorAll(".table-responsive").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight) {
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) {
        var caption = box.querySelector("caption");
        var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
        var name = (caption && caption.textContent.trim()) || (heading && heading.textContent.trim());
        if (name) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", name);
        }
      }
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", function () { markScrollableTables(); });
document.addEventListener("htmx:afterSwap", function (event) { markScrollableTables(event.target); });
window.addEventListener("resize", function () { markScrollableTables(); });
