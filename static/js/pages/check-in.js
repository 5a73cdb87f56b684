// The check-in desk. A handheld scanner types a badge's code into the field and presses Enter:
// the scan is sent without leaving the page, the answer shows at once, and the field is empty
// and focused again for the next badge. "Use the camera" reads QR codes with the browser's
// BarcodeDetector where there is one, else with the vendored jsQR (loaded only then). The
// arrivals table follows the meeting's stream: every desk sees every arrival within a second.
import { highlight, on, refetchFragment } from "../live.js";

const form = document.getElementById("check-in-form");
const field = document.getElementById("check-in-token");
const result = document.getElementById("check-in-result");
const history = document.getElementById("check-in-history");
const historyHeading = document.getElementById("recent-heading");
const arrivals = document.getElementById("arrivals");
const camera = document.getElementById("camera");

const HISTORY_LENGTH = 10;
const SAME_CODE_PAUSE_MS = 3000; // a badge held in front of the camera is one scan, not thirty
const CAMERA_EVERY_MS = 150;

let latestScan = 0; // the main result shows the newest scan's answer, whatever answers first

// --- Scans -----------------------------------------------------------------------------------

function show(element, status, message) {
  element.className = element === result ? `check-in-result result-${status}` : `result-${status}`;
  element.textContent = message;
}

function remember(token) {
  const item = document.createElement("li");
  show(item, "sending", `${form.dataset.sending} ${token}`);
  history.prepend(item);
  while (history.children.length > HISTORY_LENGTH) history.lastElementChild.remove();
  historyHeading.hidden = false;
  return item;
}

async function send(token) {
  const scan = ++latestScan;
  const item = remember(token);
  const data = new FormData(form);
  data.set("token", token);
  let answer;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
    });
    answer = await response.json();
  } catch {
    answer = { ok: false, status: "refused", message: form.dataset.networkError };
    if (!field.value) {
      field.value = token; // Enter sends it again
      field.select();
    }
  }
  show(item, answer.status, answer.message);
  if (scan === latestScan) show(result, answer.status, answer.message);
  if (answer.ok) {
    navigator.vibrate?.(answer.status === "welcome" ? 80 : [60, 60, 60]);
    refreshArrivals(answer.delegation_key);
  }
  return answer;
}

form.addEventListener("submit", (submitted) => {
  submitted.preventDefault();
  const token = field.value.trim();
  field.value = "";
  field.focus();
  if (token) send(token);
});

// "Check in without the badge", from the lists of those not yet arrived.
arrivals?.addEventListener("submit", (submitted) => {
  const manual = submitted.target.closest("form.check-in-manual");
  if (!manual) return;
  submitted.preventDefault();
  send(new FormData(manual).get("token"));
  field.focus();
});

// --- Arrivals, live --------------------------------------------------------------------------

async function refreshArrivals(delegationKey) {
  if (!arrivals?.dataset.fragment) return;
  // The table is replaced: the lists someone opened stay open.
  const open = [...arrivals.querySelectorAll("details[open]")].map((details) => details.id);
  await refetchFragment(arrivals);
  for (const id of open) document.getElementById(id)?.setAttribute("open", "");
  if (delegationKey) highlight(document.getElementById(`arrivals-${delegationKey}`));
  highlight(document.getElementById("arrivals-total"));
}

on("nomination.checked_in", (data) => refreshArrivals(data.delegation_key));
on("nomination.check_in_undone", (data) => refreshArrivals(data.delegation_key));
// Approvals, withdrawals and the waitlist change how many are expected.
for (const type of [
  "nomination.approved", "nomination.promoted", "nomination.withdrawn", "nomination.rejected",
  "nomination.updated",
]) {
  on(type, () => refreshArrivals(null));
}

// --- Camera ----------------------------------------------------------------------------------

const video = document.getElementById("camera-video");
const startButton = document.getElementById("camera-start");
const stopButton = document.getElementById("camera-stop");
const cameraStatus = document.getElementById("camera-status");
let stream = null;
let timer = 0;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

// A function from the video to the codes in its current frame.
async function qrReader() {
  if ("BarcodeDetector" in window) {
    try {
      if ((await window.BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async () => (await detector.detect(video)).map((code) => code.rawValue);
      }
    } catch { /* fall back to jsQR */ }
  }
  if (!window.jsQR) await loadScript(camera.dataset.decoder);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async () => {
    const { videoWidth: width, videoHeight: height } = video;
    if (!width || !height) return [];
    const scale = Math.min(1, 800 / Math.max(width, height)); // enough for a badge, and fast
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = window.jsQR(image.data, image.width, image.height, {
      inversionAttempts: "dontInvert",
    });
    return code?.data ? [code.data] : [];
  };
}

async function startCamera() {
  cameraStatus.textContent = camera.dataset.starting;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } },
      audio: false,
    });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const read = await qrReader();
    startButton.hidden = true;
    stopButton.hidden = false;
    cameraStatus.textContent = camera.dataset.scanning;
    let last = { code: "", at: 0 };
    const look = async () => {
      if (!stream) return;
      try {
        for (const code of await read()) {
          const value = code.trim();
          const now = Date.now();
          if (!value || (value === last.code && now - last.at < SAME_CODE_PAUSE_MS)) continue;
          last = { code: value, at: now };
          send(value);
        }
      } catch { /* a frame that could not be read: the next one will */ }
      timer = setTimeout(look, CAMERA_EVERY_MS);
    };
    look();
  } catch {
    stopCamera();
    cameraStatus.textContent = camera.dataset.denied;
  }
}

function stopCamera() {
  clearTimeout(timer);
  for (const track of stream?.getTracks() || []) track.stop();
  stream = null;
  video.srcObject = null;
  video.hidden = true;
  stopButton.hidden = true;
  startButton.hidden = false;
  cameraStatus.textContent = "";
  field.focus();
}

if (camera) {
  camera.hidden = false;
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    startButton.disabled = true;
    cameraStatus.textContent = camera.dataset.insecure;
  } else {
    startButton.addEventListener("click", startCamera);
    stopButton.addEventListener("click", stopCamera);
    // A desk left on another tab gives the camera back.
    document.addEventListener("visibilitychange", () => {
      if (document.hidden && stream) stopCamera();
    });
  }
}
