// Texts are written in Vietnamese; English comes from /app/i18n/en.json (the same flat
// {"Vietnamese": "English"} file the server's catalogue is built from). The choice is kept
// in localStorage and in the `lang` cookie (read by the server's pages).

const KEY = "gocua.lang";
const LANGS = ["vi", "en"];
let lang = "vi";
let english = {};

function cookieLang() {
  const m = document.cookie.match(/(?:^|;\s*)lang=(vi|en)\b/);
  return m ? m[1] : null;
}

async function loadEnglish() {
  try {
    const res = await fetch("/app/i18n/en.json", { credentials: "omit" });
    return res.ok ? await res.json() : {};
  } catch {
    return {};
  }
}

export async function initI18n() {
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    saved = null;
  }
  lang = LANGS.includes(saved) ? saved : cookieLang() || "vi";
  if (lang === "en") english = await loadEnglish();
  document.documentElement.lang = lang;
}

export function getLang() {
  return lang;
}

export async function setLang(next) {
  if (!LANGS.includes(next)) return;
  lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    /* private mode: the cookie still carries it */
  }
  document.cookie = `lang=${next}; path=/; max-age=31536000; samesite=lax`;
  if (next === "en") english = await loadEnglish();
  document.documentElement.lang = next;
}

// t("Đã gửi %(n)s lượt", {n: 3}) — gettext-style named placeholders.
export function t(vi, params) {
  let s = (lang === "en" && english[vi]) || vi;
  if (params) s = s.replace(/%\((\w+)\)s/g, (_, k) => (params[k] ?? "").toString());
  return s;
}
