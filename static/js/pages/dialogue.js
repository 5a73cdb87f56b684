// The dialogue page: a posted announcement appears in the list without a reload, highlighted
// and read out to screen readers.
import { announce, highlight, on, refetchFragment } from "../live.js";

const section = document.getElementById("announcements");

if (section?.dataset.fragment) {
  on("announcement.posted", async (data) => {
    const id = `announcement-${data.id}`;
    // Already on the page (rendered with it, or a replay after a reconnect): nothing is new.
    if (document.getElementById(id)) return;
    await refetchFragment(section);
    const item = document.getElementById(id);
    if (!item) return; // not visible to this person after all, or already pushed off the list
    highlight(item);
    announce(data.title);
  });
}
