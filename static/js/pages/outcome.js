// An outcome's page follows the meeting's stream: a new comment re-fetches the secretariat's
// comment section at once (highlighted, read out); a revision, a silence, an objection and the
// result reload the page (the text, the revisions and the forms all change with them).
import { announce, highlight, on, refetchFragment } from "../live.js";

const comments = document.getElementById("outcome-comments-section");
const outcomeId = Number(location.pathname.split("/").filter(Boolean)[1]);

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
  announce(data.state || "");
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
  on(type, (data) => { if (ours(data)) location.reload(); });
}
