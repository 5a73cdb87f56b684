// The desk's attendance per day: the counts per delegation follow every record, made here,
// at another desk or through an online link.
import { highlight, on, refetchFragment } from "../live.js";

const section = document.getElementById("attendance");

if (section?.dataset.fragment) {
  on("attendance.recorded", async (data) => {
    await refetchFragment(section);
    highlight(document.getElementById(`attendance-${data.nomination_id}`));
  });
}
