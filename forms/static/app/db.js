// IndexedDB: the phone's own copy of my hamlets' data, drafts and the outbox.
//   kv         settings and the session ({token, expires_at, user}), by key
//   households my hamlets' households with residents (keyPath id, index by hamlet)
//   followups  my open follow-ups; for a village head, the revisits that need them (keyPath id)
//   returnees  a village head's flags as the server last told (keyPath id)
//   away       residents of my hamlets away from home (keyPath resident_id; version 2)
//   sessions   capture sessions I am on, with their invited residents (keyPath id; version 3)
//   drafts     forms being typed (keyPath key)
//   outbox     submissions not yet confirmed by the server (keyPath client_id)
//   sent       a short history of confirmed submissions (keyPath client_id)

import { t } from "./i18n.js";
import { h } from "./ui.js";
import { emit } from "./util.js";

const NAME = "gocua";
const VERSION = 3;
let opening = null;

// Each step upgrades from the version before, so a phone on any older version catches up
// without losing its outbox or drafts.
function upgrade(db, from) {
  if (from < 1) {
    db.createObjectStore("kv");
    const households = db.createObjectStore("households", { keyPath: "id" });
    households.createIndex("hamlet", "_hamlet");
    db.createObjectStore("followups", { keyPath: "id" });
    db.createObjectStore("returnees", { keyPath: "id" });
    db.createObjectStore("drafts", { keyPath: "key" });
    const outbox = db.createObjectStore("outbox", { keyPath: "client_id" });
    outbox.createIndex("username", "username");
    const sent = db.createObjectStore("sent", { keyPath: "client_id" });
    sent.createIndex("sent_at", "sent_at");
  }
  if (from < 2) db.createObjectStore("away", { keyPath: "resident_id" });
  if (from < 3) db.createObjectStore("sessions", { keyPath: "id" });
}

export function openDb() {
  if (!opening) {
    const current = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      // A failed or lost connection is not kept: the next call opens the database again.
      const forget = () => {
        if (opening === current) opening = null;
      };
      req.onupgradeneeded = (event) => upgrade(req.result, event.oldVersion);
      req.onsuccess = () => {
        const db = req.result;
        // Another tab opens a newer version (or deletes the data): let it go on, and ask this
        // tab to reload; a save meanwhile opens again, or fails and says so.
        db.onversionchange = () => {
          db.close();
          forget();
          emit("db-closed");
          askReload();
        };
        db.onclose = forget;
        resolve(db);
      };
      req.onerror = () => {
        forget();
        reject(req.error);
      };
      // Another tab still has the older version open: it closes on "versionchange" (above),
      // and then this request goes on by itself.
      req.onblocked = () => {};
    });
    opening = current;
  }
  return opening;
}

// Under the top bar, in the flow of the page: it must not cover the form's buttons.
function askReload() {
  if (typeof document === "undefined" || !document.body || document.getElementById("db-closed")) return;
  const banner = h(
    "div",
    { id: "db-closed", class: "banner warn", role: "alert" },
    h("span", { text: t("Một thẻ khác vừa mở phiên bản mới của ứng dụng: thẻ này có thể không lưu được nữa. Tải lại trang để lưu tiếp.") }),
    " ",
    h("button", { type: "button", class: "btn small", onclick: () => location.reload(), text: t("Tải lại") }),
  );
  const bar = document.querySelector("header.bar");
  if (bar) bar.after(banner);
  else document.body.prepend(banner);
}

// What a save that could not be written tells the officer: why, and what to do. The form keeps
// what was typed.
export function writeFailure(err) {
  const why = err?.name === "QuotaExceededError" ? t("bộ nhớ máy đã đầy") : err?.message || String(err);
  return t("Chưa lưu được vào máy: %(why)s. Những gì đã nhập vẫn còn trên màn hình. Hãy tải lại trang rồi lưu lại; nếu vẫn không được, vào Hộp thư đi bấm “Lưu ra tệp” và báo chỉ huy.", { why });
}

const done = (req) =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

// Run fn(stores) in one transaction; resolves with fn's value once the transaction commits.
// Writes ask for strict durability where the browser supports it: an outbox entry must
// reach the disk before the officer walks on.
export async function transact(names, mode, fn) {
  const db = await openDb();
  const list = Array.isArray(names) ? names : [names];
  const tx = db.transaction(list, mode, mode === "readwrite" ? { durability: "strict" } : {});
  const stores = Object.fromEntries(list.map((n) => [n, tx.objectStore(n)]));
  const finished = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
  const value = await fn(stores, done);
  await finished;
  return value;
}

export const get = (store, key) => transact(store, "readonly", (s) => done(s[store].get(key)));
export const all = (store) => transact(store, "readonly", (s) => done(s[store].getAll()));
export const count = (store) => transact(store, "readonly", (s) => done(s[store].count()));
export const clear = (store) => transact(store, "readwrite", (s) => done(s[store].clear()));
export const del = (store, key) => transact(store, "readwrite", (s) => done(s[store].delete(key)));

export function put(store, value, key) {
  return transact(store, "readwrite", (s) =>
    done(key === undefined ? s[store].put(value) : s[store].put(value, key)),
  );
}

export function allBy(store, index, value) {
  return transact(store, "readonly", (s) => done(s[store].index(index).getAll(value)));
}

// Replace the rows of one index value (e.g. one hamlet's households) in a single transaction.
export function replaceBy(store, index, value, rows) {
  return transact(store, "readwrite", async (s) => {
    const keys = await done(s[store].index(index).getAllKeys(value));
    for (const key of keys) s[store].delete(key);
    for (const row of rows) s[store].put(row);
  });
}

// Replace a whole store.
export function replaceAll(store, rows) {
  return transact(store, "readwrite", (s) => {
    s[store].clear();
    for (const row of rows) s[store].put(row);
  });
}

export const getSetting = (key) => get("kv", key);
export const setSetting = (key, value) => put("kv", value, key);
