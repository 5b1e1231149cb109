// The phone's copy of my hamlets: households, residents, follow-ups, flags (read side).
import { all, get } from "./db.js";
import { distanceM } from "./gps.js";
import * as outbox from "./outbox.js";
import { PENDING_PREFIX, pendingHouseholds, pendingRow } from "./sites.js";
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

// A household of my hamlets, or one this phone created and the server has not confirmed yet
// ("c:<client_id>": its outbox entry).
export async function household(id) {
  if (String(id).startsWith(PENDING_PREFIX)) {
    const entry = await outbox.entry(String(id).slice(PENDING_PREFIX.length));
    return entry?.kind === "household" ? pendingRow(entry) : null;
  }
  return get("households", Number(id));
}

// A household the server confirmed, by the client_id this phone created it with.
export async function householdByClientId(clientId) {
  if (!clientId) return null;
  return (await all("households")).find((h) => h.client_id === clientId) || null;
}

// The phone's copy and, first, the households it created that are still in the outbox.
export async function households(username = null) {
  const pending = username ? await pendingHouseholds(username) : [];
  return [...pending, ...(await all("households"))];
}

// Households I (this phone) have already visited or queued, whatever the server says yet.
async function touchedHouseholds(username) {
  const ids = new Set();
  for (const row of await outbox.entries(username)) {
    if (row.kind !== "visit") continue;
    ids.add(row.body?.household_id ?? `${PENDING_PREFIX}${row.body?.household_client_id}`);
  }
  for (const row of await outbox.sent(username)) {
    if (row.kind === "visit") ids.add(row.household_id ?? `${PENDING_PREFIX}${row.household_client_id}`);
  }
  return ids;
}

// Today's priority classes: urgent follow-ups, then overdue ones, then the rest due today.
// Households never visited are the last class (a list of their own on the screen).
const URGENT = 0;
const OVERDUE = 1;
const DUE = 2;

export function followupClass(f, day = todayIso()) {
  if (f.priority === URGENT) return URGENT;
  return f.due_date && f.due_date < day ? OVERDUE : DUE;
}

const byKey = (a, b) => String(a._sortKey ?? "").localeCompare(String(b._sortKey ?? ""), "vi");

// Nearest-neighbour chain: from `start`, always walk to the closest stop not yet visited.
// Answers the stops in that order, each with `_distance` (metres) from the stop before it.
// Choosing compares flat x/y (exact enough within a commune, and cheap for a few thousand
// stops on a slow phone); the metres shown are the haversine's.
export function walkingChain(rows, start, point) {
  const k = Math.cos((start.lat * Math.PI) / 180);
  const left = rows.map((row) => {
    const at = point(row);
    return { row, at, x: at.lon * k, y: at.lat };
  });
  const out = [];
  let from = start;
  let fx = start.lon * k;
  let fy = start.lat;
  while (left.length) {
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < left.length; i++) {
      const d = (left[i].x - fx) ** 2 + (left[i].y - fy) ** 2;
      if (d < bestD || (d === bestD && byKey(left[i].row, left[best].row) < 0)) {
        best = i;
        bestD = d;
      }
    }
    const [next] = left.splice(best, 1);
    next.row._distance = distanceM(from, next.at);
    out.push(next.row);
    from = next.at;
    fx = next.x;
    fy = next.y;
  }
  return { rows: out, end: from };
}

// Order classes of stops as one walk: each class a chain from where the one before ended
// (the first from `here`); stops without a location come after all located ones, by class,
// then hamlet and address. Without a position every class is by hamlet and address.
export function routeOrder(classes, here, point) {
  let from = here;
  const located = [];
  const unlocated = [];
  for (const rows of classes) {
    const withPoint = rows.filter((r) => point(r));
    for (const r of rows) if (!point(r)) unlocated.push({ ...r, _distance: null });
    if (from) {
      const chain = walkingChain(withPoint, from, point);
      located.push(...chain.rows);
      from = chain.end;
    } else {
      for (const r of withPoint) r._distance = null;
      located.push(...withPoint.sort(byKey));
    }
  }
  const rank = new Map(classes.flatMap((rows, i) => rows.map((r) => [r._key, i])));
  unlocated.sort((a, b) => rank.get(a._key) - rank.get(b._key) || byKey(a, b));
  return { rows: [...located, ...unlocated], end: from };
}

const followupPoint = (f) =>
  f.lat != null && f.lon != null ? { lat: f.lat, lon: f.lon } : householdPoint(f._household);

// Today's work, as a walking route from where I stand: follow-ups due (urgent, overdue, the
// rest), then households not yet visited, continuing from the last follow-up.
export async function today(username, here) {
  const [hhs, followups, touched] = await Promise.all([
    households(username),
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
      const place = `${f.hamlet_code || hh?._hamlet || ""} ${f.household_address || hh?.address || ""}`;
      return {
        ...f,
        overdue: Boolean(f.due_date && f.due_date < day && f.status === "open"),
        _class: followupClass(f, day),
        _household: hh,
        _key: `f${f.id}`,
        _sortKey: place,
      };
    });
  const listed = new Set(due.map((f) => f.household_id));
  const isTouched = (h) => touched.has(h.id) || (h.client_id && touched.has(`${PENDING_PREFIX}${h.client_id}`));
  const scheduled = scheduledOn(hhs, day, isTouched);
  const planned = new Set(scheduled.map((h) => h.id));
  const open = hhs
    .filter((h) => !h.last_visit_at && !isTouched(h) && !listed.has(h.id) && !planned.has(h.id))
    .map((h) => ({ ...h, _key: `h${h.id}`, _sortKey: `${h._hamlet || ""} ${h.address || h.code || ""}` }));
  const classes = [URGENT, OVERDUE, DUE].map((c) => due.filter((f) => f._class === c));
  const route = routeOrder(classes, here, followupPoint);
  return {
    scheduled,
    due: route.rows,
    open: routeOrder([open], route.end, householdPoint).rows,
    added: await addedHere(username, hhs),
    total: hhs.length,
  };
}

// The households my hamlets' visit plans give a slot on a day, in the plan's order: by the
// window's start, then the place on the plan's walking route. Each says whether it is done
// (`_done`: visited that day, or from this phone).
export function scheduledOn(hhs, day, isTouched = () => false) {
  return hhs
    .filter((h) => h.scheduled_visit?.date === day)
    .map((h) => ({
      ...h,
      _done: isTouched(h) || Boolean(h.last_visit_at && todayIso(new Date(h.last_visit_at)) >= day),
    }))
    .sort(
      (a, b) =>
        a.scheduled_visit.from.localeCompare(b.scheduled_visit.from) ||
        (a.scheduled_visit.order ?? 0) - (b.scheduled_visit.order ?? 0),
    );
}

// Households and sites created on this phone: those not yet confirmed (still in the outbox),
// then those the server confirmed lately, under their server id.
async function addedHere(username, hhs) {
  const byId = new Map(hhs.map((h) => [h.id, h]));
  const confirmed = (await outbox.sent(username))
    .filter((r) => r.kind === "household" && byId.has(r.id))
    .map((r) => byId.get(r.id));
  return [...hhs.filter((h) => h._pending), ...confirmed];
}

export async function search(query, limit = 50, username = null) {
  const match = matcher(query);
  const rows = (await households(username)).filter((h) => match(h._fold || ""));
  rows.sort((a, b) => String(a.address || "").localeCompare(String(b.address || ""), "vi"));
  return { rows: rows.slice(0, limit), total: rows.length };
}
