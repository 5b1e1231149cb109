// Texts are written in Vietnamese; the server's catalogue answers /app/i18n/<lang>.json with
// {"strings": {"Vietnamese": "English"}, "labels": {field: {value: label}}} (labels.js reads
// the labels). The last answer is kept in localStorage as well as by the service worker. The
// choice of language is kept in localStorage and in the `lang` cookie (read by the pages).

const KEY = "gocua.lang";
const LANGS = ["vi", "en"];
let lang = "vi";
let strings = {};
let labelSets = {};
let provinceNames = {};
let homeProvinceNames = {};

function cookieLang() {
  const m = document.cookie.match(/(?:^|;\s*)lang=(vi|en)\b/);
  return m ? m[1] : null;
}

function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the service worker's copy still serves */
  }
}

function recalled(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

async function loadCatalogue(which) {
  const key = `gocua.i18n.${which}`;
  try {
    const res = await fetch(`/app/i18n/${which}.json`, { credentials: "omit" });
    if (res.ok) {
      const body = await res.json();
      remember(key, JSON.stringify(body));
      return body;
    }
  } catch {
    /* offline without the worker's copy: the last one kept */
  }
  try {
    return JSON.parse(recalled(key) || "{}");
  } catch {
    return {};
  }
}

async function use(which) {
  const body = await loadCatalogue(which);
  strings = body.strings || {};
  labelSets = body.labels || {};
  provinceNames = body.provinces || {};
  homeProvinceNames = body.home_provinces || {};
  lang = which;
  document.documentElement.lang = which;
}

export async function initI18n() {
  const saved = recalled(KEY);
  await use(LANGS.includes(saved) ? saved : cookieLang() || "vi");
}

export function getLang() {
  return lang;
}

export async function setLang(next) {
  if (!LANGS.includes(next)) return;
  remember(KEY, next);
  document.cookie = `lang=${next}; path=/; max-age=31536000; samesite=lax`;
  await use(next);
}

// t("Đã gửi %(n)s lượt", {n: 3}) — gettext-style named placeholders.
export function t(vi, params) {
  let s = (lang !== "vi" && strings[vi]) || vi;
  if (params) s = s.replace(/%\((\w+)\)s/g, (_, k) => (params[k] ?? "").toString());
  return s;
}

// Marks a text for the catalogue where it is written; t() translates it where it is shown.
export function N_(vi) {
  return vi;
}

// The labels of one field's machine values, in the current language: {value: label}.
export function labelsOf(field) {
  return labelSets[field] || {};
}

// The 63 province codes of ID numbers with their names (code 038 is Thanh Hóa).
export function provinces() {
  return provinceNames;
}

// The provinces on file today, for a resident's home province ("38"; merged ones are gone).
export function homeProvinces() {
  return homeProvinceNames;
}
