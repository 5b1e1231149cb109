// The outbox: every submission waits here until the server confirms it (`created` or
// `duplicate`). A refused one stays with the server's reasons until it is fixed and resent.
import { all, allBy, del, get, put, transact } from "./db.js";
import { emit, isoLocal, newId } from "./util.js";

const SENT_KEEP = 200;
const SEQ_KEY = "outbox_seq";

function changed() {
  emit("outbox-changed");
}

// The next `count` numbers of the outbox's own counter, inside a transaction over
// ["outbox", "kv"]: entries go in the order they were made, whatever the phone's clock does
// (and `created_at` has whole seconds: two taps in one second kept no order).
async function takeSeq(s, done, count) {
  const first = ((await done(s.kv.get(SEQ_KEY))) || 0) + 1;
  s.kv.put(first + count - 1, SEQ_KEY);
  return first;
}

// The outbox's order: the counter; entries made before it by their time (and place in a
// group), ahead of any counted one.
export function inOrder(a, b) {
  return (a.seq ?? 0) - (b.seq ?? 0) || a.created_at.localeCompare(b.created_at) || (a.order ?? 0) - (b.order ?? 0);
}

// Several entries in one transaction (a new household and its visit): all or none.
export async function enqueueAll(items, { username }) {
  const now = isoLocal();
  const rows = items.map(({ kind, body, label }, i) => ({
    client_id: body.client_id,
    kind,
    username,
    label: label || "",
    created_at: now,
    order: i,
    state: "pending",
    attempts: 0,
    errors: null,
    message: "",
    replaces: null,
    body,
  }));
  await transact(["outbox", "kv"], "readwrite", async (s, done) => {
    const first = await takeSeq(s, done, rows.length);
    rows.forEach((row, i) => s.outbox.put(Object.assign(row, { seq: first + i })));
  });
  changed();
  return rows;
}

export async function enqueue(kind, body, { username, label, replaces = null, extra = {} }) {
  const entry = {
    ...extra,
    client_id: body.client_id || newId(),
    kind,
    username,
    label: label || "",
    created_at: isoLocal(),
    state: "pending",
    attempts: 0,
    errors: null,
    message: "",
    replaces,
    body,
  };
  await transact(["outbox", "kv"], "readwrite", async (s, done) => {
    entry.seq = await takeSeq(s, done, 1);
    s.outbox.put(entry);
    // A fixed resubmission takes the place of the refused entry it corrects (a fix of the
    // time keeps the refused client_id, and so overwrites it by itself).
    if (replaces && replaces !== entry.client_id) s.outbox.delete(replaces);
  });
  changed();
  return entry;
}

export async function entries(username) {
  const rows = username ? await allBy("outbox", "username", username) : await all("outbox");
  return rows.sort(inOrder);
}

export const entry = (clientId) => get("outbox", clientId);

export async function counts(username) {
  const rows = await entries(username);
  const pending = rows.filter((r) => r.state === "pending").length;
  return { pending, rejected: rows.length - pending, total: rows.length };
}

export async function markSent(row, result) {
  const summary = {
    client_id: row.client_id,
    kind: row.kind,
    username: row.username,
    label: row.label,
    household_id: row.body?.household_id ?? null,
    household_client_id: row.body?.household_client_id ?? null,
    outcome: row.body?.outcome ?? null,
    visited_at: row.body?.visited_at ?? row.created_at,
    sent_at: isoLocal(),
    status: result?.status || "created",
    id: result?.id ?? null,
    flags: result?.geotag?.flags ?? [],
    warnings: result?.warnings ?? [],
  };
  await transact(["outbox", "sent"], "readwrite", (s) => {
    s.outbox.delete(row.client_id);
    s.sent.put(summary);
  });
  changed();
}

export async function markRejected(row, result) {
  await put("outbox", {
    ...row,
    state: "rejected",
    attempts: row.attempts + 1,
    errors: result?.errors || {},
    message: result?.message || "",
    code: result?.code ?? null,
    rejected_at: isoLocal(),
  });
  changed();
}

// Not sent this time (a server error, or "send again later"): it stays pending, counted.
export async function markAttempt(row, message) {
  await put("outbox", { ...row, attempts: row.attempts + 1, last_error: message || "", failed_at: isoLocal() });
}

// The entries that wait for a household made on this phone: the visits naming it (a site's
// quick capture is one visit a person).
export async function waitingOn(householdClientId, username) {
  const rows = await allBy("outbox", "username", username);
  return rows.filter((r) => r.kind === "visit" && r.body?.household_client_id === householdClientId).sort(inOrder);
}

// Give up a refused entry. A refused household cannot take the visits naming it along
// unsaved: they never reached the server (they waited for it), so they are saved to a file
// with it first (`exportFile`, the file an admin imports), then leave the phone with it.
export async function discard(clientId) {
  const row = await get("outbox", clientId);
  if (!row || row.state !== "rejected") return false;
  const waiting = row.kind === "household" ? await waitingOn(clientId, row.username) : [];
  if (waiting.length) await exportFile(row.username, [row, ...waiting]);
  await transact("outbox", "readwrite", (s) => {
    s.outbox.delete(clientId);
    for (const r of waiting) s.outbox.delete(r.client_id);
  });
  changed();
  return true;
}

// A refused household, fixed. It keeps its client_id (nothing was created under it), except
// after a 409 (that client_id already names another body on the server): then it gets a new
// one and the visits waiting for it are pointed at it, in the same transaction.
export async function replaceHousehold(oldId, body, { username, label }) {
  const old = await get("outbox", oldId);
  const fresh = old?.code === 409 ? newId() : oldId;
  const entry = {
    ...old,
    client_id: fresh,
    label,
    state: "pending",
    attempts: 0,
    errors: null,
    message: "",
    code: null,
    body: { ...body, client_id: fresh },
  };
  await transact("outbox", "readwrite", async (s, done) => {
    if (fresh !== oldId) {
      s.outbox.delete(oldId);
      for (const r of await done(s.outbox.index("username").getAll(username))) {
        if (r.kind === "visit" && r.body?.household_client_id === oldId) {
          s.outbox.put({ ...r, body: { ...r.body, household_client_id: fresh } });
        }
      }
    }
    s.outbox.put(entry);
  });
  changed();
  return entry;
}

export async function sent(username) {
  const rows = (await all("sent")).filter((r) => !username || r.username === username);
  rows.sort((a, b) => b.sent_at.localeCompare(a.sent_at));
  if (rows.length > SENT_KEEP) {
    await transact("sent", "readwrite", (s) => {
      for (const old of rows.slice(SENT_KEEP)) s.sent.delete(old.client_id);
    });
  }
  return rows.slice(0, SENT_KEEP);
}

// The last resort: the whole outbox of a user (or the rows given) as a JSON file an admin
// can import.
export async function exportFile(username, only = null) {
  const rows = only || (await entries(username));
  const doc = {
    format: "gocua-outbox",
    version: 1,
    username,
    exported_at: isoLocal(),
    entries: rows.map((r) => ({
      ...(r.session_id != null ? { session_id: r.session_id } : {}), // a session's result
      client_id: r.client_id,
      kind: r.kind,
      created_at: r.created_at,
      state: r.state,
      errors: r.errors,
      body: r.body,
    })),
  };
  const blob = new Blob([JSON.stringify(doc, null, 1)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `gocua-outbox-${username}-${doc.exported_at.slice(0, 19).replace(/[:T]/g, "")}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return doc;
}

// The visit waiting for a household made on this phone, with the outcome and note the officer
// set again while fixing that household (the household's own visit, not a quick capture's):
// the one named by `visitClientId`, else the first. Answers the rewritten entry, or null.
export async function reviseHouseholdVisit(householdClientId, { outcome, note }, { username, visitClientId = null }) {
  let revised = null;
  await transact("outbox", "readwrite", async (s, done) => {
    const visits = (await done(s.outbox.index("username").getAll(username)))
      .filter((r) => r.kind === "visit" && !r.capture && r.body?.household_client_id === householdClientId)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || (a.order ?? 0) - (b.order ?? 0));
    const row = visits.find((r) => r.client_id === visitClientId) || visits[0];
    if (!row) return;
    revised = { ...row, body: { ...row.body, outcome, note } };
    s.outbox.put(revised);
  });
  if (revised) changed();
  return revised;
}
