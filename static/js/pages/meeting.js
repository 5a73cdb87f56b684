// The meeting page: an agenda release, a move, a status change or an outcome shows up without
// a reload; the changed agenda items are highlighted and the change is read out.
import { announce, highlight, on, refetchFragment } from "../live.js";

const agenda = document.getElementById("agenda");
const facts = document.getElementById("meeting-facts-section");
const language = document.documentElement.lang;

// Texts come in every language they are written in (``title_i18n``); the reader's, else the
// one the server chose (``title``).
function title(data) {
  return data.title_i18n?.[language] || data.title || "";
}

if (agenda?.dataset.fragment) {
  on("agenda.released", async (data) => {
    await refetchFragment(agenda);
    for (const key of data.changed_keys || []) {
      const row = document.getElementById(`agenda-item-${key}`);
      if (row) highlight(row);
    }
    const changes = document.getElementById("agenda-changes");
    if (changes) highlight(changes);
    announce(`${title(data)}: v${data.number}. ${data.note || ""}`);
  });
}

if (facts?.dataset.fragment) {
  for (const type of [
    "meeting.rescheduled", "meeting.changed", "meeting.status_changed", "meeting.announced",
    "meeting.postponed", "meeting.cancelled",
  ]) {
    on(type, async (data) => {
      await refetchFragment(facts);
      const box = document.getElementById("meeting-facts");
      if (box) highlight(box);
      announce(title(data));
    });
  }
}

const outcomes = document.getElementById("outcomes");

if (outcomes?.dataset.fragment) {
  for (const type of ["outcome.adopted", "outcome.shared_for_comment"]) {
    on(type, async (data) => {
      await refetchFragment(outcomes);
      const article = document.getElementById(`outcome-${data.outcome_id}`);
      if (article) highlight(article);
      announce(data.outcome || title(data));
    });
  }
}

// Documents: added, revised, withdrawn or circulated; the section (and the agenda, which lists
// each item's documents) is re-fetched, so what appears is what this viewer may see.
const documents = document.getElementById("documents");
const documentTitle = (d) => d.title_i18n?.[language] || d.title || "";

if (documents?.dataset.fragment) {
  for (const type of ["documents.changed", "documents.circulated", "documents.revised"]) {
    on(type, async (data) => {
      const fetches = [refetchFragment(documents)];
      if (agenda?.dataset.fragment && (data.agenda_item || type !== "documents.changed")) {
        fetches.push(refetchFragment(agenda));
      }
      await Promise.allSettled(fetches);
      for (const item of data.documents || []) {
        highlight(document.getElementById(`document-${item.id}`));
        highlight(document.getElementById(`agenda-document-${item.id}`));
      }
      announce((data.documents || []).map((d) => `${d.symbol} ${documentTitle(d)}`).join("; "));
    });
  }
}

const registration = document.getElementById("registration-section");

if (registration?.dataset.fragment) {
  for (const type of [
    "registration.changed", "nomination.submitted", "nomination.approved",
    "nomination.waitlisted", "nomination.rejected", "nomination.withdrawn", "nomination.promoted",
    "meeting.status_changed",
  ]) {
    on(type, async () => {
      await refetchFragment(registration);
      const box = document.getElementById("registration");
      if (box) highlight(box);
    });
  }
}
