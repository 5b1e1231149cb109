// Sync: send the outbox, then refresh my hamlets' data. Runs on start, when the phone comes
// back online, and on a timer that backs off (30 s doubling up to 15 min) while it fails.
import { ApiError, OfflineError, api, apiPages, isOnline } from "./api.js";
import { put as putRow, replaceAll, replaceBy, getSetting, setSetting } from "./db.js";
import * as outbox from "./outbox.js";
import { t } from "./i18n.js";
import { isExpired, markExpired, session, updateUser, user } from "./session.js";
import { fold } from "./text.js";
import { emit, on, todayIso } from "./util.js";

const BASE_DELAY = 30_000;
const MAX_DELAY = 15 * 60_000;
const PULL_EVERY = 15 * 60_000;
const BATCH = 100;

let delay = BASE_DELAY;
let timer = null;
let running = null;
let again = false;
let started = false;
export const state = { last_ok: null, last_error: null, busy: false };

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => syncNow(), ms);
}

export function startSync() {
  if (!started) {
    started = true;
    window.addEventListener("online", () => syncNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") syncNow();
    });
    on("outbox-changed", () => {
      if (running) again = true; // sent as soon as the current round ends
      else schedule(500);
    });
    on("auth-lost", () => markExpired());
  }
  return syncNow();
}

export function syncNow({ pull = false } = {}) {
  if (running) return running;
  again = false;
  running = run(pull).finally(() => {
    running = null;
    state.busy = false;
    emit("sync-state", state);
    if (again && state.last_error === null) schedule(500);
  });
  return running;
}

async function run(forcePull) {
  if (!session() || isExpired()) return;
  if (!isOnline()) {
    delay = Math.min(delay * 2, MAX_DELAY);
    schedule(delay);
    return;
  }
  state.busy = true;
  emit("sync-state", state);
  try {
    const round = await push();
    const last = (await getSetting("last_pull")) || 0;
    if (forcePull || Date.now() - last > PULL_EVERY) await pull();
    else if (round.sent) await pullExtras(); // closed follow-ups, flags now on the server
    state.last_ok = Date.now();
    if (round.waiting) {
      // Some entries must wait (a server error for them alone, or "send again later"): the
      // others went; these go again after a growing pause.
      state.last_error = round.message || "retry";
      delay = Math.min(delay * 2, MAX_DELAY);
      schedule(delay);
      return;
    }
    state.last_error = null;
    delay = BASE_DELAY;
    const left = await outbox.counts(user().username);
    schedule(left.pending ? delay : PULL_EVERY);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // waits for a new login
    state.last_error = err instanceof OfflineError ? "offline" : err.message;
    delay = Math.min(delay * 2, MAX_DELAY);
    schedule(delay);
  }
}

// ---- sending ------------------------------------------------------------------------

// Answers that mean "not now" rather than "no": the entry stays pending and goes again.
const LATER = new Set([408, 429, 503]);
const DOWN_AFTER = 3; // consecutive 5xx (or 408/429) answers: the server is down, stop

class ServerDown extends Error {}

// The server (or the way to it) is failing: 5xx, 408, 429.
const failing = (err) => err.status >= 500 || LATER.has(err.status);

// A failed request that says nothing against the entry itself: it goes again later.
const temporary = (err) => failing(err) || err.body?.retry === true;

// A result the server wants sent again later (e.g. a record being updated at the same time).
function retryLater(result) {
  return result?.retry === true || LATER.has(result?.code);
}

// Send every pending entry of mine; answer how many the server took and how many must wait.
// Entries that failed before go after the others, so a bad one cannot hold up the rest.
async function push() {
  const mine = (await outbox.entries(user().username)).filter((e) => e.state === "pending");
  mine.sort((a, b) => (a.failed_at ? 1 : 0) - (b.failed_at ? 1 : 0));
  const round = { sent: 0, waiting: 0, failures: 0, message: "" };
  // New households first, in the order they were made: a visit may name one of them.
  for (const row of mine.filter((e) => e.kind === "household")) await sendHousehold(row, round);
  const unconfirmed = new Set(
    (await outbox.entries(user().username)).filter((e) => e.kind === "household").map((e) => e.client_id),
  );
  // A visit of a household still in the outbox (waiting, or refused until fixed) waits too.
  const held = (e) => e.body?.household_client_id && unconfirmed.has(e.body.household_client_id);
  round.waiting += mine.filter((e) => e.kind === "visit" && held(e)).length;
  const visits = mine.filter((e) => e.kind === "visit" && !held(e));
  for (let i = 0; i < visits.length; i += BATCH) await sendVisits(visits.slice(i, i + BATCH), round);
  for (const row of mine.filter((e) => e.kind === "returnee")) await sendReturnee(row, round);
  for (const row of mine.filter((e) => e.kind === "card_scan")) await sendCardScan(row, round);
  // A session's results in the order they were recorded, failed ones too: the last one the
  // server takes is the resident's result.
  const results = mine.filter((e) => e.kind === "session_result").sort(outbox.inOrder);
  for (const id of new Set(results.map((e) => e.session_id))) {
    const rows = results.filter((e) => e.session_id === id);
    for (let i = 0; i < rows.length; i += BATCH) {
      await sendBatch(`/api/v1/sessions/${encodeURIComponent(id)}/results`, "results", rows.slice(i, i + BATCH), round);
    }
  }
  return round;
}

// One entry could not go now: it stays pending; three such answers in a row end the round.
async function postpone(row, round, err, { counts = true } = {}) {
  round.waiting += 1;
  round.message = err?.message || round.message;
  await outbox.markAttempt(row, round.message);
  if (!counts) return;
  round.failures += 1;
  if (round.failures >= DOWN_AFTER) throw new ServerDown(round.message);
}

const sendVisits = (rows, round) => sendBatch("/api/v1/visits/batch", "visits", rows, round);

// A batch endpoint answering {results: [...]}, one per item in order (visits, a capture
// session's results): each item is sent, postponed or refused on its own.
async function sendBatch(path, key, rows, round) {
  let data;
  try {
    data = await api("POST", path, { [key]: rows.map((r) => r.body) });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 401) throw err;
    if (rows.length > 1) {
      if (err.status === 429) throw err; // the server asks us to slow down: back off
      // The envelope failed: try each item alone, so one bad item cannot block the others.
      for (const row of rows) await sendBatch(path, key, [row], round);
      return;
    }
    if (temporary(err)) return postpone(rows[0], round, err, { counts: failing(err) });
    round.failures = 0;
    await outbox.markRejected(rows[0], err.body);
    return;
  }
  round.failures = 0;
  const results = data?.results || [];
  for (let i = 0; i < rows.length; i++) {
    const result = results[i];
    if (!result) continue; // no answer for this one: it stays and goes again
    if (result.status === "created" || result.status === "duplicate") {
      await outbox.markSent(rows[i], result);
      round.sent += 1;
    } else if (retryLater(result)) {
      await postpone(rows[i], round, { message: result.message }, { counts: false });
    } else {
      await outbox.markRejected(rows[i], result);
    }
  }
}

// A household created on this phone: `client_id` makes the POST idempotent (201 the first
// time, 200 with the same household on a retry). 409 (the same client_id with another body)
// and any other refusal keep it as refused, to be fixed; its visits wait for it.
async function sendHousehold(row, round) {
  try {
    const result = await api("POST", "/api/v1/households", row.body);
    if (result?.id == null) {
      return postpone(row, round, new Error(t("Máy chủ chưa xác nhận; sẽ gửi lại.")));
    }
    round.failures = 0;
    const code = row.body.hamlet_code;
    await putHousehold(householdRow({ ...result, client_id: result.client_id || row.client_id }, code));
    await outbox.markSent(row, { status: "created", id: result.id, warnings: result.warnings });
    round.sent += 1;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 401) throw err;
    if (temporary(err)) return postpone(row, round, err, { counts: failing(err) });
    round.failures = 0;
    await outbox.markRejected(row, { ...err.body, code: err.status });
  }
}

// One entry posted alone and confirmed by the server's own answer (an `id`): a 200 page from a
// Wi-Fi login portal (not JSON, no id) leaves it in the outbox for the next round; a refusal
// (422, 409, 403…) keeps it as refused with the server's reasons.
async function sendOne(row, round, path, body) {
  try {
    const result = await api("POST", path, body);
    if (result?.id == null) {
      return postpone(row, round, new Error(t("Máy chủ chưa xác nhận; sẽ gửi lại.")));
    }
    round.failures = 0;
    await outbox.markSent(row, { status: "created", id: result.id });
    round.sent += 1;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 401) throw err;
    if (temporary(err)) return postpone(row, round, err, { counts: failing(err) });
    round.failures = 0;
    await outbox.markRejected(row, { ...err.body, code: err.status });
  }
}

function sendReturnee(row, round) {
  return sendOne(row, round, "/api/v1/returnees", row.body);
}

// A card reading: `client_id` makes it idempotent (201 the first time, 200 with the same
// answer again).
function sendCardScan(row, round) {
  const { resident_id: residentId, ...body } = row.body;
  return sendOne(row, round, `/api/v1/residents/${residentId}/card-scan`, body);
}

// ---- refreshing ---------------------------------------------------------------------

function householdRow(h, hamlet) {
  const names = (h.residents || []).map((r) => r.full_name || "").join(" ");
  return { ...h, _hamlet: hamlet, _fold: fold(`${h.code || ""} ${h.address || ""} ${names}`) };
}

function myHamlets() {
  const me = user();
  const hamlets = (me.hamlets || []).map((u) => u.code);
  if (me.unit?.level === "hamlet" && !hamlets.includes(me.unit.code)) hamlets.push(me.unit.code);
  return hamlets;
}

// Follow-ups and flags are extras: a server that cannot give them leaves the rest usable.
async function pullExtras() {
  const me = user();
  const extra = async (store, paths) => {
    try {
      const rows = [];
      for (const path of paths) rows.push(...(await apiPages(path)));
      await replaceAll(store, rows);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 401 || err.status >= 500) throw err;
      state.last_error = err.message;
    }
  };
  if (me.role === "officer") {
    await extra("followups", ["/api/v1/followups?mine=1&status=open"]);
    // Capture sessions I am on, from yesterday on, with their invited residents.
    const since = todayIso(new Date(Date.now() - 86_400_000));
    await extra("sessions", [`/api/v1/sessions?mine=1&from=${since}`]);
  }
  if (me.role === "village_head") {
    const hamlets = myHamlets().map(encodeURIComponent);
    await extra("returnees", hamlets.map((c) => `/api/v1/returnees?hamlet=${c}`));
    // Revisits where three tries failed: the server shows a village head only those.
    await extra("followups", ["/api/v1/followups?needs_village_head=1&status=open"]);
    await extra("away", hamlets.map((c) => `/api/v1/followups/away?hamlet=${c}`));
  }
  emit("data-changed");
}

const putHousehold = (row) => putRow("households", row);

async function pull() {
  const fresh = await api("GET", "/api/v1/me");
  if (fresh?.username) await updateUser(fresh);
  for (const code of myHamlets()) {
    const rows = await apiPages(`/api/v1/households?hamlet=${encodeURIComponent(code)}`);
    await replaceBy("households", "hamlet", code, rows.map((h) => householdRow(h, code)));
  }
  await pullExtras();
  await setSetting("last_pull", Date.now());
  document.body.dataset.pulled = String(Date.now()); // for people and tests: data is fresh
  emit("data-changed");
}
