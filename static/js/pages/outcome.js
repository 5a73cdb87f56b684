// An outcome's page follows the meeting's stream: a new comment re-fetches the secretariat's
// comment section at once (highlighted, read out); a revision, a silence, an objection and the
// result reload the page (the text, the revisions and the forms all change with them).
import { announce, highlight, on, refetchFragment } from "../live.js";

const comments = document.getElementById("outcome-comments-section");
const outcomeId = Number(location.pathname.split("/").filter(Boolean)[1]);
// What happened before the page was rendered is on it already: a replay after loading (the
// redirect after one's own release, say) changes nothing and must not reload it.
const renderedAt = Date.parse(document.getElementById("outcome-text")?.dataset.renderedAt || "");

// Nor while the page is already on its way to the next one (a form sent here, whose own event
// arrives before the answer): a reload then would cancel that navigation and its message.
let leaving = false;
document.addEventListener("submit", () => { leaving = true; });
window.addEventListener("pagehide", () => { leaving = true; });

function newerThanThePage(frame) {
  return !leaving && !(renderedAt && frame && Date.parse(frame.at) <= renderedAt);
}

function ours(data) {
  return data && data.outcome_id === outcomeId;
}

on("outcome.commented", async (data) => {
  if (!comments || !ours(data)) return;
  const added = await refetchFragment(comments);
  for (const id of added) highlight(document.getElementById(id));
  const row = document.getElementById(`comments-${data.state_code}`)
    || document.getElementById(`no-objection-${data.state_code}`);
  if (row) highlight(row);
  const names = data.state_i18n || {};
  announce(names[document.documentElement.lang] || data.state || "");
});
for (const type of [
  "outcome.revision_released",
  "outcome.silence_started",
  "outcome.silence_extended",
  "outcome.silence_withdrawn",
  "outcome.silence_objected",
  "outcome.silence_concluded",
  "outcome.adopted",
]) {
  on(type, (data, frame) => { if (ours(data) && newerThanThePage(frame)) location.reload(); });
}
