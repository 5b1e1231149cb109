// "Thêm hộ / cơ sở": a household or a site (boarding house, dormitory, company…) found in the
// field, its residents and the visit, all offline. The household goes to the outbox with a
// client_id made here (kept in the draft, so every retry is the same household), ahead of the
// visit that names it by `household_client_id`. #household/<client_id> fixes a refused one.
import { del, get, put, writeFailure } from "../db.js";
import * as gps from "../gps.js";
import { t } from "../i18n.js";
import { label, labels } from "../labels.js";
import * as outbox from "../outbox.js";
import { user } from "../session.js";
import { isSite, parseRooms } from "../sites.js";
import { field, fill, formatWhen, h, refill, select, toast } from "../ui.js";
import { debounce, isoLocal, newId } from "../util.js";
import { errorList } from "./errors.js";
import { gpsShower, isoBirth } from "./visit.js";
import { personFields } from "./people.js";

const NEW_KEY = "household:new";

export function blankPerson() {
  return { full_name: "", birth: "", sex: "", id_number: "", residence: "permanent", home_province_code: "", home_address: "", room: "", id_card: "not_collected", eid: "none" };
}

function blankState(me) {
  return {
    hamlet_code: (me.hamlets || [])[0]?.code || me.unit?.code || "",
    kind: "family",
    site_name: "",
    address: "",
    contact_name: "",
    contact_phone: "",
    rooms_text: "",
    residents: [blankPerson()],
    outcome: "met",
    note: "",
  };
}

// A refused household back into the form.
function stateFromBody(body, visit) {
  const people = (body.residents || []).map((r) => ({
    ...blankPerson(),
    ...r,
    birth: r.date_of_birth || "",
    sex: r.sex || "",
    id_number: r.id_number || "",
    home_province_code: r.home_province_code || "",
    home_address: r.home_address || "",
    room: r.room || "",
  }));
  return {
    hamlet_code: body.hamlet_code,
    kind: body.kind || "family",
    site_name: body.site_name || "",
    address: body.address || "",
    contact_name: body.contact_name || "",
    contact_phone: body.contact_phone || "",
    rooms_text: (body.rooms || []).join(", "),
    residents: people,
    outcome: visit?.body?.outcome || "met",
    note: visit?.body?.note || "",
  };
}

// A person as the API takes it (also used by quick capture).
export function personBody(p, { site }) {
  const out = { full_name: p.full_name.trim(), residence: p.residence || "permanent", id_card: p.id_card, eid: p.eid };
  if (String(p.birth).trim()) out.date_of_birth = isoBirth(p.birth);
  if (p.sex) out.sex = p.sex;
  const number = String(p.id_number || "").replace(/[\s.-]+/g, "");
  if (number) out.id_number = number;
  if (out.residence !== "permanent") {
    if (p.home_province_code) out.home_province_code = p.home_province_code;
    if (p.home_address.trim()) out.home_address = p.home_address.trim();
  }
  if (site && p.room) out.room = p.room;
  return out;
}

function householdBody(draft, location) {
  const s = draft.state;
  const site = isSite(s.kind);
  const body = {
    client_id: draft.client_id,
    hamlet_code: s.hamlet_code,
    kind: s.kind,
    address: s.address.trim(),
    location: location.location,
    residents: s.residents.filter((p) => p.full_name.trim()).map((p) => personBody(p, { site })),
  };
  if (site) {
    body.site_name = s.site_name.trim();
    if (s.contact_name.trim()) body.contact_name = s.contact_name.trim();
    if (s.contact_phone.trim()) body.contact_phone = s.contact_phone.trim();
    const rooms = parseRooms(s.rooms_text);
    if (rooms.length) body.rooms = rooms;
  }
  return body;
}

function visitBody(draft, location) {
  return {
    client_id: draft.visit_client_id,
    household_client_id: draft.client_id,
    visited_at: isoLocal(),
    ...location,
    outcome: draft.state.outcome,
    residents: [],
    new_residents: [],
    note: draft.state.note.trim(),
  };
}

function problemOf(s) {
  if (!s.hamlet_code) return t("Chọn thôn.");
  if (isSite(s.kind) && !s.site_name.trim()) return t("Ghi tên cơ sở.");
  if (!s.address.trim()) return t("Ghi địa chỉ.");
  if (s.residents.some((p) => !p.full_name.trim() && (p.birth || p.id_number))) return t("Người mới cần có họ và tên.");
  if (!s.residents.some((p) => p.full_name.trim())) return t("Ghi ít nhất một người ở đây.");
  const bad = s.residents.find((p) => p.id_number && !/^\d{12}$/.test(p.id_number.replace(/[\s.-]+/g, "")));
  if (bad) return t("Số định danh phải gồm đúng 12 chữ số (%(name)s).", { name: bad.full_name || "?" });
  return null;
}

// ---- the form

function hamletOptions(me) {
  const out = {};
  for (const u of me.hamlets || []) out[u.code] = u.name ? `${u.name} (${u.code})` : u.code;
  if (!Object.keys(out).length && me.unit?.code) out[me.unit.code] = me.unit.name || me.unit.code;
  return out;
}

function siteFields(v) {
  const s = v.draft.state;
  if (!isSite(s.kind)) return null;
  return h(
    "div",
    { id: "site-fields" },
    field(t("Tên cơ sở"), h("input", { id: "site-name", value: s.site_name, "data-bind": "site_name", maxlength: 200, placeholder: t("VD: Nhà trọ Bình An") })),
    field(t("Người liên hệ (chủ, quản lý)"), h("input", { id: "contact-name", value: s.contact_name, "data-bind": "contact_name", maxlength: 200, autocapitalize: "words" })),
    field(t("Điện thoại liên hệ"), h("input", { id: "contact-phone", type: "tel", value: s.contact_phone, "data-bind": "contact_phone", maxlength: 20, inputmode: "tel" })),
    s.kind === "boarding_house" || s.kind === "dormitory"
      ? field(t("Các phòng"), h("input", { id: "rooms", value: s.rooms_text, "data-bind": "rooms_text", "data-redraw": "people", maxlength: 2000, placeholder: "P101-P112" }), t("Một dãy (P101–P112) hoặc danh sách cách nhau bằng dấu phẩy"))
      : null,
  );
}

function drawPeople(v) {
  const s = v.draft.state;
  const rooms = isSite(s.kind) ? parseRooms(s.rooms_text) : null;
  refill(v.peopleBox,
    h("h2", {}, t("Người ở đây"), h("span", { class: "count", id: "people-count", text: s.residents.filter((p) => p.full_name.trim()).length })),
    s.residents.map((p, i) =>
      h(
        "fieldset",
        { class: "resident new", "data-person": i },
        h("legend", { text: t("Người %(n)s", { n: i + 1 }) }),
        personFields(p, `residents.${i}`, { rooms }),
        h("button", { type: "button", class: "btn small", text: t("Bỏ người này"), onclick: () => { s.residents.splice(i, 1); changed(v); } }),
      ),
    ),
    h("button", {
      type: "button",
      class: "btn",
      id: "add-resident",
      text: t("+ Thêm người"),
      onclick: () => {
        const last = s.residents.at(-1);
        s.residents.push({ ...blankPerson(), residence: isSite(s.kind) ? "temporary" : "permanent", room: last?.room || "" });
        changed(v);
        v.peopleBox.querySelectorAll("fieldset.new")[s.residents.length - 1]?.querySelector("input")?.focus();
      },
    }),
  );
}

function changed(v) {
  drawPeople(v);
  v.save();
}

function bind(v, form) {
  const onInput = (event) => {
    const path = event.target.dataset?.bind;
    if (!path) return;
    const keys = path.split(".");
    let node = v.draft.state;
    for (const k of keys.slice(0, -1)) node = node[k];
    node[keys.at(-1)] = event.target.value;
    if (event.type === "change" && path === "kind") {
      refill(v.siteBox, siteFields(v));
      for (const p of v.draft.state.residents) if (!p.full_name && isSite(v.draft.state.kind)) p.residence = "temporary";
      drawPeople(v);
    } else if (event.type === "change" && event.target.dataset.redraw === "people") {
      drawPeople(v);
    }
    v.save();
  };
  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
}

async function submit(v, event) {
  event.preventDefault();
  const s = v.draft.state;
  const problem = problemOf(s);
  v.formError.hidden = !problem;
  if (problem) {
    v.formError.textContent = problem;
    v.formError.scrollIntoView({ block: "center" });
    return;
  }
  const location = v.watcher ? v.watcher.result() : { location: v.fixing?.body.location ?? null, location_missing_reason: v.fixing?.body.location ? null : "unavailable" };
  const body = householdBody(v.draft, location);
  const name = body.site_name || s.residents.find((p) => p.full_name.trim())?.full_name.trim() || body.address;
  const what = `${label("household_kind", body.kind)}: ${name}`;
  try {
    if (v.fixing) {
      // The visit waiting for this household first takes the outcome and note shown with it
      // (it waits until the household is sent, and a retry writes the same again).
      await outbox.reviseHouseholdVisit(
        v.fixing.client_id,
        { outcome: s.outcome, note: s.note.trim() },
        { username: v.me.username, visitClientId: v.draft.visit_client_id },
      );
      await outbox.replaceHousehold(v.fixing.client_id, body, { username: v.me.username, label: what });
    } else {
      await outbox.enqueueAll(
        [
          { kind: "household", body, label: what },
          { kind: "visit", body: visitBody(v.draft, location), label: `${name} — ${body.address}` },
        ],
        { username: v.me.username },
      );
    }
  } catch (err) {
    // Not written (storage full, or another tab upgraded the database): say so, keep the form.
    v.formError.textContent = writeFailure(err);
    v.formError.hidden = false;
    v.formError.scrollIntoView({ block: "center" });
    toast(v.formError.textContent, "error");
    return;
  }
  v.watcher?.stop();
  v.save.cancel();
  await del("drafts", v.draftKey).catch(() => {});
  toast(navigator.onLine ? t("Đã lưu, đang gửi…") : t("Đã lưu trên máy. Sẽ tự gửi khi có mạng."), "ok");
  // At a site, the people met next are recorded quickly, one after another.
  if (v.fixing) v.go("outbox");
  else v.go(isSite(body.kind) ? `capture/c:${body.client_id}` : v.home());
}

function form(v) {
  const s = v.draft.state;
  const el = h("form", { id: "household-form", novalidate: true });
  bind(v, el);
  el.addEventListener("submit", (event) => submit(v, event));
  fill(el,
    field(t("Thôn"), select("hamlet_code", hamletOptions(v.me), s.hamlet_code, { id: "hamlet", "data-bind": "hamlet_code" })),
    field(t("Loại"), select("kind", labels("household_kind"), s.kind, { id: "kind", "data-bind": "kind" })),
    v.siteBox,
    field(t("Địa chỉ"), h("input", { id: "address", value: s.address, "data-bind": "address", maxlength: 300, required: true, placeholder: t("Số nhà, đường, tổ") })),
    v.peopleBox,
    h("h2", { text: t("Lượt thăm") }),
    field(t("Kết quả"), select("outcome", labels("outcome"), s.outcome, { id: "outcome", "data-bind": "outcome" })),
    field(t("Ghi chú"), h("textarea", { name: "note", rows: 2, maxlength: 2000, "data-bind": "note", value: s.note })),
    v.formError,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "btn primary", id: "save-household", text: v.fixing ? t("Gửi lại bản đã sửa") : t("Lưu hộ và lượt thăm") }),
      h("button", { type: "button", class: "btn", id: "discard", text: t("Bỏ nháp"), onclick: () => discard(v) }),
    ),
  );
  return el;
}

async function discard(v) {
  v.watcher?.stop();
  v.save.cancel();
  await del("drafts", v.draftKey);
  v.go(v.fixing ? "outbox" : v.home());
}

async function openDraft(me, fixing) {
  const key = fixing ? `household:${fixing.client_id}` : NEW_KEY;
  const kept = await get("drafts", key);
  if (kept && kept.username === me.username) return { key, draft: kept, restored: true };
  let state = blankState(me);
  let visit = null;
  if (fixing) {
    // The household's own visit (not a quick capture's): its outcome and note, to fix with it.
    visit = (await outbox.entries(me.username)).find((e) => e.kind === "visit" && !e.capture && e.body?.household_client_id === fixing.client_id);
    state = stateFromBody(fixing.body, visit);
  }
  // The client_id is made once and kept: a retry of this household is the same household.
  // While fixing, visit_client_id names the visit waiting for it.
  const draft = { key, username: me.username, client_id: fixing?.client_id || newId(), visit_client_id: visit?.client_id || newId(), state, fix: null, started_at: isoLocal() };
  return { key, draft, restored: false };
}

export async function render(view, { params, go, home }) {
  const me = user();
  const fixing = params[0] ? await outbox.entry(params[0]) : null;
  if (params[0] && (!fixing || fixing.kind !== "household")) return go("outbox");
  const { key, draft, restored } = await openDraft(me, fixing);
  const v = {
    me, draft, fixing, go, home, draftKey: key, watcher: null,
    save: debounce(() => put("drafts", { ...draft, updated_at: isoLocal() }), 250),
    siteBox: h("div", {}),
    peopleBox: h("div", { id: "people" }),
    formError: h("p", { class: "error", role: "alert", id: "form-error", hidden: true }),
  };
  refill(v.siteBox, siteFields(v));
  drawPeople(v);
  const line = h("p", { id: "gps", class: "gps wait", "aria-live": "polite" });
  if (!fixing) {
    const show = gpsShower(line, draft);
    const kept = draft.fix && Date.now() - draft.fix.at < 15 * 60_000 ? draft.fix : null;
    draft.fix = kept;
    show({ best: kept, error: null });
    v.watcher = gps.watch(show, { initial: kept });
  } else {
    line.textContent = fixing.body.location ? t("Vị trí đã ghi: ±%(m)s m", { m: Math.round(fixing.body.location.accuracy_m ?? 0) }) : t("Không có vị trí");
  }
  fill(view,
    h("h1", { text: fixing ? t("Sửa hộ / cơ sở") : t("Thêm hộ / cơ sở") }),
    line,
    restored ? h("p", { class: "banner", id: "draft-restored", text: t("Tiếp tục bản nháp lúc %(when)s", { when: formatWhen(draft.updated_at || draft.started_at) }) }) : null,
    fixing ? errorList(fixing, t("Máy chủ đã từ chối hộ này. Sửa rồi gửi lại:")) : null,
    form(v),
  );
  return () => v.watcher?.stop();
}
