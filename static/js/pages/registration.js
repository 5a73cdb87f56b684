// Registration pages (a delegation's page, the secretariat's review queue): nominations,
// decisions, letters and quota changes show up without a reload.
import { announce, highlight, on, refetchFragment } from "../live.js";

const TYPES = [
  "nomination.submitted", "nomination.approved", "nomination.waitlisted", "nomination.rejected",
  "nomination.withdrawn", "nomination.promoted", "nomination.updated",
  "delegation.letter_uploaded", "delegation.letter_verified", "registration.changed",
];

// Every section the page marks with data-registration-fragment (a delegation, the queue, the
// focal point's open meetings) is re-fetched when its registration changes; what the secretariat
// has ticked and typed is carried across by refetchFragment.
const sections = document.querySelectorAll("[data-registration-fragment]");

// The queue's "select all": every nomination listed on this page (the filters decide which).
document.addEventListener("change", (event) => {
  if (event.target.id !== "pick-all") return;
  for (const box of document.querySelectorAll('#bulk-form input[name="nominations"]')) {
    box.checked = event.target.checked;
  }
});

async function update(section, data) {
  if (section.dataset.delegationKey && data.delegation_key
      && section.dataset.delegationKey !== data.delegation_key) return;
  await refetchFragment(section);
  const row = data.nomination_id && document.getElementById(`nomination-${data.nomination_id}`);
  highlight(row || section);
  if (data.person) announce(`${data.person}: ${data.nomination_status || ""}`.trim());
}

for (const section of sections) {
  if (!section.dataset.fragment) continue;
  for (const type of TYPES) on(type, (data) => update(section, data));
}
