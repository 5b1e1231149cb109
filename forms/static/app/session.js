// Who uses the app: the bearer token and the user, kept in IndexedDB (never in the page).
import { api, setToken } from "./api.js";
import { clear, getSetting, setSetting } from "./db.js";
import { emit } from "./util.js";

let current = null;

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

export async function login(username, password) {
  const data = await api("POST", "/api/v1/auth/token", { username, password }, { auth: false });
  const previous = (await getSetting("session"))?.user?.username;
  if (previous && previous.toLowerCase() !== data.user.username.toLowerCase()) {
    await forgetData();
  }
  current = { token: data.token, expires_at: data.expires_at, user: data.user };
  await setSetting("session", current);
  await setSetting("last_pull", 0);
  setToken(current.token);
  emit("session", current);
  return current;
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

export async function logout() {
  if (current?.token && !current.expired) {
    try {
      await api("DELETE", "/api/v1/auth/token", undefined, { timeout: 5000 });
    } catch {
      /* offline: the token expires by itself */
    }
  }
  await forgetData();
  await setSetting("session", null);
  current = null;
  setToken(null);
  emit("session", null);
}
