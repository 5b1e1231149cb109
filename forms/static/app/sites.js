// Households and sites found in the field: room labels, what a 12-digit ID number says, and
// the households this phone created that the server has not confirmed yet.
import { provinces } from "./i18n.js";
import * as outbox from "./outbox.js";
import { fold } from "./text.js";

export const SITE_KINDS = ["boarding_house", "dormitory", "company", "other_site"];
export const isSite = (kind) => SITE_KINDS.includes(kind);
export const PENDING_PREFIX = "c:";
const MAX_ROOMS = 500;

// P101–P112 gives P101 … P112; A1-A3, B2 gives A1 A2 A3 B2; anything else is kept as typed.
export function parseRooms(text) {
  const out = [];
  for (const part of String(text || "").split(/[,;\n]+/)) {
    const s = part.trim();
    if (!s) continue;
    const m = s.match(/^(\D*?)(\d+)\s*[-–—]\s*(\D*?)(\d+)$/);
    const same = m && (m[3] === "" || m[3] === m[1]);
    const from = m ? Number(m[2]) : 0;
    const to = m ? Number(m[4]) : 0;
    if (same && to >= from && to - from < MAX_ROOMS) {
      const width = m[2].length;
      for (let n = from; n <= to; n++) out.push(`${m[1]}${String(n).padStart(width, "0")}`);
    } else {
      out.push(s);
    }
  }
  return [...new Set(out)].slice(0, MAX_ROOMS);
}

// The rules of app/people/idnumber.py: PPP G YY RRRRRR — province where the birth was
// registered, sex and century (even: male), year within the century.
export function idInfo(raw) {
  const number = String(raw || "").replace(/[\s.-]+/g, "");
  if (!/^\d{12}$/.test(number)) return null;
  const code = number.slice(0, 3);
  const g = Number(number[3]);
  const century = 1900 + 100 * Math.floor(g / 2);
  return {
    number,
    province_code: code,
    province_name: provinces()[code] || null,
    sex: g % 2 === 0 ? "male" : "female",
    birth_year: century + Number(number.slice(4, 6)),
    century,
  };
}

// A birth given as "1998" or "09/05/1998" or "1998-05-09": its year, or null.
export function birthYear(text) {
  const m = String(text || "").match(/(\d{4})/);
  return m ? Number(m[1]) : null;
}

// What the number says against what was typed: a list of short warnings (never a refusal).
export function idProblems(info, { sex, year }, t) {
  if (!info) return [];
  const out = [];
  if (!info.province_name) out.push(t("Mã tỉnh %(code)s không thuộc 63 mã tỉnh; đối chiếu với thẻ.", { code: info.province_code }));
  if (sex && sex !== info.sex) out.push(t("Giới tính khác với số định danh."));
  if (year && year !== info.birth_year) out.push(t("Năm sinh khác với số định danh (%(y)s).", { y: info.birth_year }));
  return out;
}

// A household entry of the outbox as a row of the phone's lists (id "c:<client_id>").
export function pendingRow(entry) {
  const b = entry.body || {};
  const names = (b.residents || []).map((r) => r.full_name || "").join(" ");
  return {
    id: `${PENDING_PREFIX}${entry.client_id}`,
    client_id: entry.client_id,
    code: null,
    address: b.address,
    kind: b.kind || "family",
    site_name: b.site_name || null,
    rooms: b.rooms || [],
    hamlet_code: b.hamlet_code,
    _hamlet: b.hamlet_code,
    location: b.location || null,
    residents: (b.residents || []).map((r) => ({ ...r, id: null })),
    last_visit_at: null,
    _pending: entry.state, // "pending" or "rejected": not on the server yet
    _fold: fold(`${b.site_name || ""} ${b.address || ""} ${names}`),
  };
}

export async function pendingHouseholds(username) {
  return (await outbox.entries(username)).filter((e) => e.kind === "household").map(pendingRow);
}
