// Who uses the app: the bearer token and the user, kept in IndexedDB (never in the page).
// One sign-in: a page session of /login (an officer or village head) gives the app its token
// without a second login form, and signing out of the app ends that page session too.
import { api, isOnline, setToken } from "./api.js";
import { clear, getSetting, setSetting } from "./db.js";
import { emit } from "./util.js";

export const FIELD_ROLES = ["officer", "village_head"];

let current = null;
let lastPageTry = 0;

export function session() {
  return current;
}

export function user() {
  return current?.user ?? null;
}

export function isExpired(s = current) {
  return !s?.token || (s.expires_at && Date.parse(s.expires_at) <= Date.now()) || s.expired;
}

export async function loadSession() {
  current = (await getSetting("session")) || null;
  setToken(current && !current.expired ? current.token : null);
  return current;
}

const sameUser = (a, b) => Boolean(a && b && a.toLowerCase() === b.toLowerCase());

async function adopt(data) {
  const previous = (await getSetting("session"))?.user?.username;
  if (previous && !sameUser(previous, data.user.username)) {
    await forgetData();
  }
  current = { token: data.token, expires_at: data.expires_at, user: data.user };
  await setSetting("session", current);
  await setSetting("last_pull", 0);
  setToken(current.token);
  emit("session", current);
  return current;
}

export async function login(username, password) {
  const data = await api("POST", "/api/v1/auth/token", { username, password }, { auth: false });
  return adopt(data);
}

// The page session of this browser: {username, role, csrf_token}, or null. Asked each time
// (never cached): the shell the service worker keeps carries no CSRF token.
async function pageSession(timeout = 5000) {
  if (!isOnline()) return null;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  try {
    const res = await fetch("/app/session", {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
      signal: abort.signal,
    });
    const body = res.ok ? await res.json() : null;
    return body?.signed_in ? body : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

// Signed in on the web pages: take a token from that session instead of asking for the
// password again, when the app has no working token or its token is another user's. Tried
// at most every 10 s, so a refused token cannot loop.
export async function fromPageSession() {
  if (Date.now() - lastPageTry < 10000) return null;
  lastPageTry = Date.now();
  const page = await pageSession();
  if (!page || !FIELD_ROLES.includes(page.role)) return null;
  if (current && !isExpired() && sameUser(current.user.username, page.username)) return null;
  try {
    const data = await api("POST", "/app/session-token", undefined, {
      auth: false,
      credentials: "same-origin",
      headers: { "X-CSRFToken": page.csrf_token },
      timeout: 10000,
    });
    return await adopt(data);
  } catch {
    return null; /* no token from the page: the login form stays */
  }
}

// End the page session too (one sign-out): POST /logout with its CSRF token. Signing out
// waits longer for a slow server than the sign-in check does: a web session left open is worse.
async function endPageSession() {
  const page = await pageSession(15000);
  if (!page) return;
  try {
    await fetch("/logout", {
      method: "POST",
      headers: { "X-CSRFToken": page.csrf_token },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
    });
  } catch {
    /* offline: the page session ends by itself */
  }
}

// The server's latest word on who I am (hamlets may have been assigned since the login).
export async function updateUser(fresh) {
  if (!current || current.user.username !== fresh.username) return;
  current = { ...current, user: { ...current.user, ...fresh } };
  await setSetting("session", current);
}

// The token is refused or expired: keep the user (to prefill the login) and every draft and
// outbox entry; only the token goes.
export async function markExpired() {
  if (!current) return;
  current = { ...current, token: null, expired: true };
  setToken(null);
  await setSetting("session", current);
  emit("session", current);
}

// Forget my hamlets' data (personal data of citizens) but never the outbox or drafts.
export async function forgetData() {
  for (const store of ["households", "followups", "returnees", "away"]) await clear(store);
  await setSetting("last_pull", 0);
}

export async function logout({ web = true } = {}) {
  if (current?.token && !current.expired) {
    try {
      await api("DELETE", "/api/v1/auth/token", undefined, { timeout: 5000 });
    } catch {
      /* offline: the token expires by itself */
    }
  }
  if (web) await endPageSession();
  await forgetData();
  await setSetting("session", null);
  current = null;
  setToken(null);
  emit("session", null);
}
