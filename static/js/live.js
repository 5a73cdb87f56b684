// Live updates for every page: one WebSocket per tab, following the streams the page names in
// <body data-live-streams>. The protocol is docs/live-protocol.md. Pages register handlers with
// on(eventType, handler); this module owns the connection, resuming after a drop, de-duplication,
// the status banner, the inbox badge, and the HTTP long-poll fallback for networks that block
// WebSockets.

const body = document.body;
const streams = (body.dataset.liveStreams || "").split(/\s+/).filter(Boolean);
const statusBox = document.getElementById("live-status");
const announcer = document.getElementById("live-announcer");
const badge = document.getElementById("unread-count");
const storageKey = `live:last:${location.pathname}:${streams.join(" ")}`;

const ACK_EVERY = 50;
const ACK_WITHIN_MS = 1000;
const PING_EVERY_MS = 25000;
const SILENCE_LIMIT_MS = 60000;
const OPEN_TIMEOUT_MS = 10000; // a proxy may hold a WebSocket handshake without ever answering
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30000;
const STABLE_AFTER_MS = 10000;
const BANNER_AFTER_MS = 1500;
const FAILED_OPENS_BEFORE_FALLBACK = 3;
const PROBE_SOCKET_EVERY_MS = 60000;
const POLL_TIMEOUT_MS = 40000; // the server answers a long poll within 25 s
const HIGHLIGHT_MS = 4000;
const SEEN_LIMIT = 1000;
const NO_RETRY = new Set([4400, 4403, 4413]);
// 1001: the server is going away (a restart, a deploy). Come back at once, spread over a
// second so a thousand tabs do not arrive in the same millisecond, and keep trying that
// quickly while the server restarts; failures meanwhile are no sign of a blocking proxy.
const GOING_AWAY = 1001;
const RESTART_RETRY_MS = 1000;
const RESTART_WINDOW_MS = 20000;

const handlers = new Map(); // event type -> Set of handlers
const anyHandlers = new Set();
const seenIds = new Set(); // event ids handled (insertion order = age; bounded)
const seenInbox = new Set();

let state = "connecting"; // "connecting" | "live" | "fallback" | "offline"
let transport = "socket"; // "socket" | "poll"
let lastId = readLastId();
let resetSeen = false;
let stopped = false;
let everLive = false;
let socket = null;
let openedAt = 0; // when the current socket opened; 0 while it has not
let lastHeard = 0;
let lastPing = 0;
let attempt = 0;
let failedOpens = 0;
let restartUntil = 0; // while the server restarts (after 1001), retry quickly
let pending = new Set(); // streams not yet answered with subscribed/refused
let unacked = 0;
let pollAbort = null;
const timers = { ack: 0, retry: 0, banner: 0, heartbeat: 0, open: 0, probe: 0, announce: 0 };

// --- For pages -------------------------------------------------------------------------------

function on(type, handler) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(handler);
  return () => handlers.get(type).delete(handler);
}

function onAny(handler) {
  anyHandlers.add(handler);
  return () => anyHandlers.delete(handler);
}

// A burst of changes becomes one message: an atomic live region reads only its latest text.
let announceQueue = [];
function announce(text) {
  if (!announcer || !text) return;
  if (!announceQueue.length) announcer.textContent = ""; // the same text again is news again
  announceQueue.push(text);
  clearTimeout(timers.announce);
  timers.announce = setTimeout(() => {
    announcer.textContent = `${announcer.dataset.updated || ""} ${announceQueue.join("; ")}`.trim();
    announceQueue = [];
  }, 250);
}

const highlightEnds = new WeakMap(); // element -> when its highlight ends

function highlight(element, remaining = HIGHLIGHT_MS) {
  if (!element) return;
  element.classList.remove("live-changed");
  void element.offsetWidth; // restarts the animation of an element highlighted again
  // A highlight carried over to a re-fetched element resumes where it was (CSSOM: CSP allows).
  element.style.animationDelay = remaining < HIGHLIGHT_MS ? `${remaining - HIGHLIGHT_MS}ms` : "";
  element.classList.add("live-changed");
  const ends = Date.now() + remaining;
  highlightEnds.set(element, ends);
  setTimeout(() => {
    if (highlightEnds.get(element) !== ends) return; // highlighted again meanwhile
    element.classList.remove("live-changed");
    element.style.animationDelay = "";
  }, remaining);
}

function fetchHere(url, options = {}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) throw new Error(`live: not same-origin: ${target}`);
  return fetch(target, {
    credentials: "same-origin",
    cache: "no-store",
    ...options,
    headers: { "X-Requested-With": "fetch", ...options.headers },
  });
}

// Re-fetches section.dataset.fragment and swaps in its list; resolves to the ids that are new.
// Calls during a fetch share one follow-up fetch: each caller gets a list fetched after it
// asked, and answers cannot overtake each other.
const refetches = new WeakMap(); // section -> {running, queued}
function refetchFragment(section) {
  let entry = refetches.get(section);
  if (!entry) refetches.set(section, (entry = { running: null, queued: null }));
  if (!entry.running) {
    entry.running = swapFragment(section).finally(() => { entry.running = null; });
    return entry.running;
  }
  entry.queued ||= entry.running.catch(() => {}).then(() => {
    entry.queued = null;
    return refetchFragment(section);
  });
  return entry.queued;
}

async function swapFragment(section) {
  const response = await fetchHere(section.dataset.fragment);
  if (!response.ok) throw new Error(`live: ${section.dataset.fragment}: HTTP ${response.status}`);
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const incoming = [...doc.body.children].find((el) => el.id) || doc.body.querySelector("[id]");
  const current = incoming && section.querySelector(`#${CSS.escape(incoming.id)}`);
  if (!current) throw new Error(`live: ${section.dataset.fragment}: nothing to swap`);
  const ids = (root) => [...root.querySelectorAll("[id]")].map((el) => el.id);
  const before = new Set(ids(current));
  const focused = current.contains(document.activeElement) ? document.activeElement.id : "";
  const replacement = document.importNode(incoming, true);
  carryInputs(current, replacement);
  current.replaceWith(replacement);
  // Highlights still running on the old elements go on on their replacements.
  for (const old of [current, ...current.querySelectorAll(".live-changed[id]")]) {
    const left = (highlightEnds.get(old) || 0) - Date.now();
    if (left > 0 && old.id) highlight(document.getElementById(old.id), left);
  }
  if (focused) document.getElementById(focused)?.focus();
  return new Set(ids(replacement).filter((id) => !before.has(id)));
}

// What the reader ticked, chose or typed and has not sent yet survives a swap: read at the moment
// of the swap (not when the fetch started), so a tick given while the list was on its way counts.
// Fields the reader left alone take the server's new value.
function carryInputs(from, to) {
  for (const el of from.querySelectorAll("input, textarea, select")) {
    if (el.type === "hidden" || el.type === "file" || el.type === "submit") continue;
    const twin = el.id
      ? to.querySelector(`#${CSS.escape(el.id)}`)
      : el.name && to.querySelector(
        ["checkbox", "radio"].includes(el.type)
          ? `[name="${CSS.escape(el.name)}"][value="${CSS.escape(el.value)}"]`
          : `[name="${CSS.escape(el.name)}"]`,
      );
    if (!twin) continue;
    if (el.type === "checkbox") {
      if (el.checked !== el.defaultChecked) twin.checked = el.checked;
    } else if (el.type === "radio") {
      if (el.checked && !el.defaultChecked) twin.checked = true;
    } else if (el.tagName === "SELECT") {
      if ([...el.options].some((option) => option.selected !== option.defaultSelected)) {
        twin.value = el.value;
      }
    } else if (el.value !== el.defaultValue) {
      twin.value = el.value;
    }
  }
}

// --- Status banner ---------------------------------------------------------------------------

function setState(next) {
  state = next;
  if (next === "live" || next === "fallback") {
    everLive ||= next === "live";
    clearTimeout(timers.banner);
    timers.banner = 0;
    showStatus(next === "fallback" ? "fallback" : null);
  } else if (!timers.banner) {
    // Short drops (a server restart) heal unnoticed: the banner waits a moment.
    timers.banner = setTimeout(() => {
      timers.banner = 0;
      if (!stopped && (state === "offline" || state === "connecting")) showStatus("offline");
    }, BANNER_AFTER_MS);
  }
}

function showStatus(kind) {
  if (!statusBox || statusBox.dataset.kind === "reload") return; // the reload prompt stays
  statusBox.dataset.kind = kind || "";
  statusBox.textContent = kind ? statusBox.dataset[kind] || "" : "";
  statusBox.hidden = !kind;
}

function showReloadPrompt() {
  if (!statusBox) return;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = statusBox.dataset.reloadAction || "Reload";
  button.addEventListener("click", () => location.reload());
  statusBox.replaceChildren(document.createTextNode(statusBox.dataset.reload || ""), button);
  statusBox.dataset.kind = "reload";
  statusBox.hidden = false;
}

// --- Frames (the same from the socket and the long poll) -------------------------------------

function readLastId() {
  try {
    const value = Number.parseInt(sessionStorage.getItem(storageKey), 10);
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  } catch {
    return null; // storage disabled: follow from "now" only
  }
}

function noteLastId(id) {
  if (!Number.isSafeInteger(id) || (lastId !== null && id <= lastId)) return;
  lastId = id;
  if (resetSeen) return; // the reloaded page starts afresh (see "reset")
  try { sessionStorage.setItem(storageKey, String(id)); } catch { /* full or disabled */ }
}

function remember(set, id) {
  set.add(id);
  if (set.size > SEEN_LIMIT) set.delete(set.values().next().value);
}

// A failing page handler must not stop the others, yet stay visible as an uncaught error.
function call(handler, ...args) {
  const rethrow = (error) => queueMicrotask(() => { throw error; });
  try {
    Promise.resolve(handler(...args)).catch(rethrow);
  } catch (error) {
    rethrow(error);
  }
}

function handleFrame(frame) {
  switch (frame.type) {
    case "event":
      if (seenIds.has(frame.id)) return; // at least once on the wire, once on the page
      remember(seenIds, frame.id);
      noteLastId(frame.id);
      for (const handler of handlers.get(frame.event) || []) call(handler, frame.data, frame);
      for (const handler of anyHandlers) call(handler, frame);
      countForAck();
      return;
    case "subscribed":
    case "refused":
      if (frame.type === "subscribed") noteLastId(frame.last_id);
      pending.delete(frame.stream);
      if (pending.size === 0 && state !== "live") {
        if (everLive) syncUnread(); // inbox frames sent while away are not replayed
        setState("live");
      }
      return;
    case "reset":
      // The view is stale: offer a reload, never force one (that could loop). The reloaded
      // page starts like a first visit: resuming from last_id resets again when the stream's
      // newest event is older than the pruned part of the log.
      resetSeen = true;
      try { sessionStorage.removeItem(storageKey); } catch { /* storage disabled */ }
      noteLastId(frame.last_id);
      showReloadPrompt();
      if (transport === "poll") stopped = true; // every further poll would answer the same
      return;
    case "inbox":
      if (!badge || seenInbox.has(frame.id)) return;
      remember(seenInbox, frame.id);
      setUnread((Number.parseInt(badge.dataset.count, 10) || 0) + 1);
      return;
    default: // "pong", and whatever a newer server adds
  }
}

function setUnread(count) {
  badge.dataset.count = String(count);
  badge.textContent = String(count);
}

async function syncUnread() {
  if (!badge?.dataset.countUrl) return;
  try {
    const response = await fetchHere(badge.dataset.countUrl);
    if (response.ok) setUnread((await response.json()).unread);
  } catch { /* the next reconnect asks again */ }
}

// --- WebSocket -------------------------------------------------------------------------------

function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

// The server cuts off a client that stops acknowledging (close 4408): ack in batches.
function countForAck() {
  if (transport !== "socket") return;
  unacked += 1;
  if (unacked >= ACK_EVERY) sendAck();
  else timers.ack ||= setTimeout(sendAck, ACK_WITHIN_MS);
}

function sendAck() {
  clearTimeout(timers.ack);
  timers.ack = 0;
  if (unacked && lastId !== null) send({ type: "ack", id: lastId });
  unacked = 0;
}

function connect() {
  clearTimeout(timers.retry);
  if (stopped || socket) return;
  if (transport === "socket") setState("connecting"); // else a probe from the fallback
  const url = new URL(body.dataset.liveSocket, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = (socket = new WebSocket(url));
  openedAt = 0;
  timers.open = setTimeout(() => dropped(ws, 1006), OPEN_TIMEOUT_MS);
  ws.onopen = () => {
    clearTimeout(timers.open);
    openedAt = lastHeard = lastPing = Date.now();
    failedOpens = 0;
    restartUntil = 0;
    if (transport === "poll") leaveFallback();
    pending = new Set(streams);
    const since = lastId === null ? {} : { since: lastId }; // none on a first visit
    send({ type: "subscribe", streams, ...since });
    timers.heartbeat = setInterval(heartbeat, 5000);
  };
  ws.onmessage = (message) => {
    lastHeard = Date.now();
    let frame;
    try { frame = JSON.parse(message.data); } catch { return; }
    handleFrame(frame);
  };
  ws.onclose = (closed) => dropped(ws, closed.code);
}

// Pings every 25 s; silence for 60 s is a dead connection the browser has not noticed.
function heartbeat() {
  const now = Date.now();
  if (now - lastHeard > SILENCE_LIMIT_MS) {
    dropped(socket, 1006);
  } else if (now - lastPing >= PING_EVERY_MS) {
    lastPing = now;
    send({ type: "ping" });
  }
}

function dropped(ws, code) {
  if (ws !== socket) return; // an old socket's late news
  socket = null;
  ws.onopen = ws.onmessage = ws.onclose = null;
  if (ws.readyState < WebSocket.CLOSING) ws.close();
  clearTimeout(timers.open);
  clearInterval(timers.heartbeat);
  clearTimeout(timers.ack);
  timers.ack = 0;
  unacked = 0;
  if (transport === "poll") return; // a failed probe: the poll goes on
  if (code === 4401) return sessionEnded();
  if (NO_RETRY.has(code)) {
    stopped = true;
    setState("offline");
    console.warn(`live: the server refused this client (close code ${code}); not retrying`);
    return;
  }
  if (openedAt && Date.now() - openedAt >= STABLE_AFTER_MS) attempt = 0;
  if (code === GOING_AWAY) {
    restartUntil = Date.now() + RESTART_WINDOW_MS;
    attempt = 0;
  }
  const restarting = Date.now() < restartUntil;
  // Failures while the browser knows it is offline say nothing about WebSockets being blocked.
  if (!openedAt && navigator.onLine !== false && !restarting) failedOpens += 1;
  setState("offline");
  if (failedOpens >= FAILED_OPENS_BEFORE_FALLBACK) return enterFallback();
  const delay = restarting ? Math.random() * RESTART_RETRY_MS : jitter(attempt++);
  timers.retry = setTimeout(connect, delay);
}

// The session ended (logout, expiry): reload once to sign in again; never loop.
function sessionEnded() {
  stopped = true;
  setState("offline");
  const key = "live:reloaded-for-session";
  let recent = false;
  try {
    recent = Date.now() - Number(sessionStorage.getItem(key) || 0) < 60000;
    sessionStorage.setItem(key, String(Date.now()));
  } catch { /* without storage, reload anyway */ }
  if (!recent) location.reload();
}

// Full jitter: after a server restart the clients do not all come back at the same instant.
function jitter(n) {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n);
}

// --- HTTP long-poll fallback -----------------------------------------------------------------

function enterFallback() {
  if (stopped) return;
  transport = "poll";
  attempt = 0;
  clearInterval(timers.probe);
  const probe = () => "WebSocket" in window && connect();
  timers.probe = setInterval(probe, PROBE_SOCKET_EVERY_MS);
  poll();
}

function leaveFallback() {
  transport = "socket";
  attempt = 0;
  clearInterval(timers.probe);
  pollAbort?.abort();
  setState("connecting");
}

async function poll() {
  let failures = 0;
  while (transport === "poll" && !stopped) {
    const url = new URL(body.dataset.liveEvents, location.href);
    for (const stream of streams) url.searchParams.append("stream", stream);
    if (lastId !== null) url.searchParams.set("since", String(lastId));
    const abort = (pollAbort = new AbortController());
    const timeout = setTimeout(() => abort.abort(), POLL_TIMEOUT_MS);
    try {
      const response = await fetchHere(url, { signal: abort.signal });
      const { status } = response;
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        stopped = true; // a stream we may not follow, or a bad request: retrying cannot help
        clearInterval(timers.probe);
        setState("offline");
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const answer = await response.json();
      if (transport !== "poll") return;
      if (state !== "fallback") syncUnread();
      setState("fallback");
      const events = answer.events || [];
      for (const frame of events) handleFrame(frame);
      if (answer.reset) handleFrame({ type: "reset", last_id: answer.last_id });
      noteLastId(answer.last_id);
      if (events.length) syncUnread(); // no inbox frames over HTTP: ask for the count
      // HTTP was down too: the socket failures were an outage, not a blocking proxy.
      if (failures > 0 && "WebSocket" in window) connect();
      failures = 0;
    } catch {
      if (transport !== "poll") return; // the socket is back (leaveFallback aborted the fetch)
      setState("offline");
      await new Promise((resolve) => setTimeout(resolve, jitter(failures++)));
    } finally {
      clearTimeout(timeout);
    }
  }
}

// --- Start -----------------------------------------------------------------------------------

// Back on the network: try the socket now, not after the back-off or the next probe.
function reconnectNow() {
  if (stopped || socket) return;
  attempt = 0;
  connect();
}

// One connection per tab even when this module is loaded under two URLs: in production
// base.html names the hashed file, while pages import "../live.js", which the manifest storage
// does not rewrite. A second copy hands out the first copy's functions and starts nothing.
const shared = window.dialogueLive;
if (!shared) {
  window.dialogueLive = {
    get state() { return state; },
    get transport() { return transport; },
    get lastId() { return lastId; },
    seenIds,
    streams,
    on,
    onAny,
    announce,
    highlight,
    refetchFragment,
  };
  if (streams.length) {
    window.addEventListener("online", reconnectNow);
    // Off the network (Wi-Fi lost): the socket is dead even if the browser has not noticed;
    // drop it now rather than after a minute of silence, and come back with "online".
    window.addEventListener("offline", () => { if (socket) dropped(socket, 1006); });
    if ("WebSocket" in window) connect();
    else enterFallback();
  }
}

const api = shared || window.dialogueLive;
const { on: onType, onAny: onEvery, announce: tell, highlight: mark } = api;
const { refetchFragment: refetch } = api;
export { onType as on, onEvery as onAny, tell as announce, mark as highlight };
export { refetch as refetchFragment };
