// The server's JSON API with the bearer token; never the session cookie (credentials omit),
// so a page session in the same browser cannot change who the app acts as. The one exception
// is session.js trading a page session for a token (credentials "same-origin", CSRF header).
import { getLang } from "./i18n.js";
import { emit } from "./util.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export class OfflineError extends Error {}

let token = null;

export function setToken(value) {
  token = value || null;
}

export function isOnline() {
  return navigator.onLine !== false;
}

export async function api(
  method,
  path,
  body,
  { timeout = 30000, auth = true, credentials = "omit", headers: extra = {} } = {},
) {
  if (!isOnline()) throw new OfflineError("offline");
  const headers = { Accept: "application/json", "Accept-Language": getLang(), ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials,
      cache: "no-store",
      signal: abort.signal,
    });
  } catch (err) {
    throw new OfflineError(String(err));
  } finally {
    clearTimeout(timer);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.status === 401 && auth) emit("auth-lost");
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// Every page of a list endpoint (`?page=&per_page=200`, answers {items|results, total}).
export async function apiPages(path, { perPage = 200, maxPages = 100 } = {}) {
  const rows = [];
  for (let page = 1; page <= maxPages; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const data = await api("GET", `${path}${sep}page=${page}&per_page=${perPage}`);
    const items = Array.isArray(data) ? data : data?.items ?? data?.results ?? [];
    rows.push(...items);
    const total = Array.isArray(data) ? items.length : data?.total ?? items.length;
    if (items.length < perPage || rows.length >= total) break;
  }
  return rows;
}
