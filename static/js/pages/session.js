// The meeting in session: the session section of the meeting page and the big screen in the
// room (/meetings/<id>/now/). Every session.* and floor.* event re-fetches the fragment, so a
// page that was offline gets the missed events replayed and shows the state as it is now. The
// speaking time counts down on the device; what changed is read out to screen readers. The
// chair's and the delegations' buttons post without leaving the page.
import { announce, highlight, on, refetchFragment } from "../live.js";

const section = document.getElementById("session") || document.getElementById("now");
const TYPES = [
  "session.item_opened", "session.item_closed", "session.delay_changed",
  "floor.requested", "floor.withdrawn", "floor.given", "floor.ended", "floor.queue_changed",
];

let ticking = 0;

function clock(seconds) {
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return `${m}:${s}`;
}

function startCountdowns() {
  clearInterval(ticking);
  const boxes = [...section.querySelectorAll("[data-countdown]")];
  if (!boxes.length) return;
  const started = Date.now();
  const draw = () => {
    for (const box of boxes) {
      const left = Math.max(0, Number(box.dataset.countdown) - Math.floor((Date.now() - started) / 1000));
      box.textContent = clock(left);
      box.classList.toggle("countdown-over", left === 0);
    }
  };
  draw();
  ticking = setInterval(draw, 1000);
}

function text(id) {
  return document.getElementById(id)?.textContent.replace(/\s+/g, " ").trim() || "";
}

function tell(type) {
  if (type.startsWith("session.")) {
    const item = document.getElementById("session-current-item") || document.getElementById("now-item");
    highlight(item);
    const delay = section.querySelector(".notice, .now-delay");
    announce([text(item?.id || ""), delay?.textContent.trim() || ""].filter(Boolean).join(". "));
  } else if (type === "floor.given") {
    const speaker = document.getElementById("session-speaker") || document.getElementById("now-speaker");
    highlight(speaker);
    announce(text(speaker?.id || ""));
  } else {
    const own = document.getElementById("session-own-place");
    if (own) announce(text("session-own-place"));
    highlight(document.getElementById("session-queue") || document.getElementById("now-queue"));
  }
}

async function refresh(type) {
  await refetchFragment(section);
  startCountdowns();
  if (type) tell(type);
}

function showError(message) {
  const box = document.getElementById("session-error");
  if (!box) return;
  box.textContent = message;
  box.hidden = !message;
}

async function submit(event) {
  const form = event.target.closest("form[data-session-action]");
  if (!form) return;
  event.preventDefault();
  const data = new FormData(form, event.submitter);
  for (const button of form.querySelectorAll("button")) button.disabled = true; // one tap
  let error = "";
  try {
    // form.action would name the buttons called "action", not the address.
    const response = await fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) error = answer.error || `HTTP ${response.status}`;
  } catch {
    error = section.dataset.offline || "Offline";
  }
  await refresh(null); // confirmed at once; the event that follows reads it out
  showError(error);
}

if (section?.dataset.fragment) {
  startCountdowns();
  for (const type of TYPES) on(type, () => refresh(type));
  on("meeting.status_changed", (data) => {
    if (section.id !== "session") return;
    section.hidden = data.status !== "in_session";
    refresh(null);
  });
  section.addEventListener("submit", submit);
}
