// Registration pages (a delegation's page, the secretariat's review queue): nominations,
// decisions, letters and quota changes show up without a reload. The queue keeps what the
// secretariat has ticked and typed across an update.
import { announce, highlight, on, refetchFragment } from "../live.js";

const TYPES = [
  "nomination.submitted", "nomination.approved", "nomination.waitlisted", "nomination.rejected",
  "nomination.withdrawn", "nomination.promoted", "nomination.updated",
  "delegation.letter_uploaded", "delegation.letter_verified", "registration.changed",
];

// Every section the page marks with data-registration-fragment (a delegation, the queue, the
// focal point's open meetings) is re-fetched when its registration changes.
const sections = document.querySelectorAll("[data-registration-fragment]");

// The queue's "select all": every nomination listed on this page (the filters decide which).
document.addEventListener("change", (event) => {
  if (event.target.id !== "pick-all") return;
  for (const box of document.querySelectorAll('#bulk-form input[name="nominations"]')) {
    box.checked = event.target.checked;
  }
});

function keepInputs(section) {
  const ticked = [...section.querySelectorAll("input[type=checkbox]:checked")]
    .map((el) => [el.name, el.value]);
  const typed = [...section.querySelectorAll("input[type=text], input[type=radio]:checked")]
    .map((el) => [el.id || `${el.name}=${el.value}`, el.value, el.type]);
  return () => {
    for (const [name, value] of ticked) {
      const box = section.querySelector(
        `input[type=checkbox][name="${CSS.escape(name)}"][value="${CSS.escape(value)}"]`,
      );
      if (box) box.checked = true;
    }
    for (const [key, value, type] of typed) {
      const el = type === "radio"
        ? section.querySelector(`input[type=radio][value="${CSS.escape(value)}"]`)
        : document.getElementById(key);
      if (!el) continue;
      if (type === "radio") el.checked = true; else el.value = value;
    }
  };
}

async function update(section, data) {
  if (section.dataset.delegationKey && data.delegation_key
      && section.dataset.delegationKey !== data.delegation_key) return;
  const restore = keepInputs(section);
  await refetchFragment(section);
  restore();
  const row = data.nomination_id && document.getElementById(`nomination-${data.nomination_id}`);
  highlight(row || section);
  if (data.person) announce(`${data.person}: ${data.nomination_status || ""}`.trim());
}

for (const section of sections) {
  if (!section.dataset.fragment) continue;
  for (const type of TYPES) on(type, (data) => update(section, data));
}
