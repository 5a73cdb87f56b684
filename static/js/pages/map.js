// Maps drawn on the server (dialogue/world_map.py): the state under the pointer or the keyboard's
// focus is named under the map. Screen readers hear each link's own name; this is for the eye.
for (const map of document.querySelectorAll("[data-map]")) {
  const output = map.querySelector("[data-map-name]");
  if (!output) continue;
  const show = (event) => {
    const state = event.target.closest?.("a[data-name]");
    output.textContent = state ? state.dataset.name : "";
  };
  map.addEventListener("focusin", show);
  map.addEventListener("mouseover", show);
  map.addEventListener("focusout", () => { output.textContent = ""; });
}
