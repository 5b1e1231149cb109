// The phone's copy of my hamlets: households, residents, follow-ups, flags (read side).
import { all, get } from "./db.js";
import { distanceM } from "./gps.js";
import * as outbox from "./outbox.js";
import { matcher } from "./text.js";
import { todayIso } from "./util.js";

export function householdPoint(h) {
  if (!h) return null;
  const lat = h.location?.lat ?? h.lat;
  const lon = h.location?.lon ?? h.lon;
  return lat == null || lon == null ? null : { lat, lon };
}

export function headOf(h) {
  const rs = h?.residents || [];
  return rs.find((r) => r.relationship === "head") || rs[0] || null;
}

export const household = (id) => get("households", Number(id));
export const households = () => all("households");

// Households I (this phone) have already visited or queued, whatever the server says yet.
async function touchedHouseholds(username) {
  const ids = new Set();
  for (const row of await outbox.entries(username)) {
    if (row.kind === "visit") ids.add(row.body?.household_id);
  }
  for (const row of await outbox.sent(username)) ids.add(row.household_id);
  return ids;
}

function byDistance(rows, here, point) {
  for (const row of rows) row._distance = distanceM(here, point(row));
  return rows.sort((a, b) => {
    const da = a._distance ?? Infinity;
    const db = b._distance ?? Infinity;
    if (da !== db) return da - db;
    return String(a._sortKey ?? "").localeCompare(String(b._sortKey ?? ""), "vi");
  });
}

// Today's work: follow-ups due and households not yet visited, nearest first.
export async function today(username, here) {
  const [hhs, followups, touched] = await Promise.all([
    households(),
    all("followups"),
    touchedHouseholds(username),
  ]);
  const byId = new Map(hhs.map((h) => [h.id, h]));
  const day = todayIso();
  const due = followups
    .filter((f) => f.status === "open" && (!f.due_date || f.due_date <= day))
    .filter((f) => !touched.has(f.household_id))
    .map((f) => {
      const hh = byId.get(f.household_id);
      return { ...f, _household: hh, _sortKey: `${f.priority ?? 2}${f.due_date || ""}` };
    });
  const listed = new Set(due.map((f) => f.household_id));
  const open = hhs
    .filter((h) => !h.last_visit_at && !touched.has(h.id) && !listed.has(h.id))
    .map((h) => ({ ...h, _sortKey: h.address || h.code }));
  return {
    due: byDistance(due, here, (f) =>
      f.lat != null ? { lat: f.lat, lon: f.lon } : householdPoint(f._household),
    ),
    open: byDistance(open, here, householdPoint),
    total: hhs.length,
  };
}

export async function search(query, limit = 50) {
  const match = matcher(query);
  const rows = (await households()).filter((h) => match(h._fold || ""));
  rows.sort((a, b) => String(a.address || "").localeCompare(String(b.address || ""), "vi"));
  return { rows: rows.slice(0, limit), total: rows.length };
}
