// A circulation's page: the secretariat's receipts table follows opens and acknowledgements
// live, the changed delegation highlighted.
import { announce, highlight, on, refetchFragment } from "../live.js";

const receipts = document.getElementById("receipts");
const circulationId = Number(receipts?.dataset.fragment?.match(/circulations\/(\d+)\//)?.[1]);

if (receipts?.dataset.fragment) {
  on("documents.receipt", async (data) => {
    if (data.circulation !== circulationId) return;
    await refetchFragment(receipts);
    const key = data.state ? `state-${data.state}` : data.organisation ? `org-${data.organisation}` : "";
    const row = key && document.getElementById(`receipt-${key}`);
    if (row) {
      highlight(row);
      announce(row.querySelector("th")?.textContent || "");
    }
  });
}
