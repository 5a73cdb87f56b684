// A table wider than its box scrolls inside it (a phone, a long header): such a box must be
// reachable from the keyboard to be scrolled without a pointer, so it gets tabindex="0" and a
// name, whenever it overflows (checked on load, on resize and when a live update swaps it).
const BOXES = ".table-scroll, main table";

function mark() {
  for (const box of document.querySelectorAll(BOXES)) {
    const scrolls = box.scrollWidth > box.clientWidth + 1
      && getComputedStyle(box).overflowX !== "visible";
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.dataset.scrollRegion = "1";
      // A table keeps its own role (named by its caption); a wrapping box becomes a region.
      if (box.tagName !== "TABLE" && !box.hasAttribute("aria-label")
          && !box.hasAttribute("aria-labelledby")) {
        const caption = box.querySelector("caption");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption?.textContent || document.title).trim());
      }
    } else if (!scrolls && box.dataset.scrollRegion) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollRegion;
    }
  }
}

mark();
window.addEventListener("resize", mark);
new MutationObserver(() => mark()).observe(document.body, { childList: true, subtree: true });
