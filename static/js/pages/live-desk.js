// The secretariat's live desk (meetings/registration/live_desk.py): the counters are re-read
// from the server on every event that can move one. Events missed while offline are replayed on
// reconnect and re-fetch the same way, so the desk shows the database's counts, never a sum of
// events kept in the page. The counters that changed are highlighted.
import { highlight, on, refetchFragment } from "../live.js";

const TYPES = [
  "nomination.submitted", "nomination.approved", "nomination.waitlisted", "nomination.rejected",
  "nomination.withdrawn", "nomination.promoted", "nomination.updated",
  "nomination.checked_in", "nomination.check_in_undone",
  "delegation.letter_uploaded", "delegation.letter_verified", "registration.changed",
  "documents.circulated", "documents.receipt",
];

const section = document.getElementById("live-desk");

function values() {
  return new Map([...section.querySelectorAll(".desk-figure")]
    .map((el) => [el.id, el.querySelector(".desk-value")?.dataset.value]));
}

async function update() {
  const before = values();
  await refetchFragment(section);
  for (const [id, value] of values()) {
    if (before.get(id) !== value) highlight(document.getElementById(id));
  }
}

if (section?.dataset.fragment) {
  for (const type of TYPES) on(type, update);
}
