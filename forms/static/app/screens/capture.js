// Quick capture ("Nhập nhanh") at a site: one person after another with the fewest taps. The
// ID number comes first; its 12 digits fill the province of birth, sex and year. "Lưu & người
// tiếp" puts the person in the outbox at once (a visit of the site naming that one new
// resident), and the cursor goes back to the ID number. What is being typed is kept as a draft.
import * as data from "../data.js";
import { del, get, put, writeFailure } from "../db.js";
import * as gps from "../gps.js";
import { homeProvinces, t } from "../i18n.js";
import { labels } from "../labels.js";
import * as outbox from "../outbox.js";
import { user } from "../session.js";
import { PENDING_PREFIX, idInfo } from "../sites.js";
import { field, fill, h, refill, select, toast } from "../ui.js";
import { debounce, isoLocal, newId } from "../util.js";
import { describeId, roomControl } from "./people.js";
import { personBody } from "./household.js";

function blank(keep = {}) {
  return { id_number: "", full_name: "", birth: "", sex: "", room: keep.room || "", residence: keep.residence || "temporary", home_province_code: "", home_address: "", id_card: "not_collected", eid: "none" };
}

// The household reference a visit of this site carries.
function refOf(hh) {
  return hh._pending ? { household_client_id: hh.client_id } : { household_id: hh.id };
}

// People of this site recorded from this phone and still in the outbox, newest first.
async function recorded(v) {
  const ref = refOf(v.hh);
  const rows = (await outbox.entries(v.me.username)).filter(
    (e) => e.kind === "visit" && e.capture &&
      (ref.household_id != null ? e.body.household_id === ref.household_id : e.body.household_client_id === ref.household_client_id),
  );
  return rows.reverse();
}

async function drawRecorded(v) {
  const rows = await recorded(v);
  refill(v.listBox,
    h("h2", {}, t("Đã ghi"), h("span", { class: "count", id: "capture-count", text: v.saved })),
    rows.length
      ? h("ul", { class: "entries", id: "capture-list" }, rows.slice(0, 20).map((e) => {
          const p = e.body.new_residents[0] || {};
          return h("li", { class: "entry pending" }, h("strong", { text: p.full_name }), h("span", { class: "muted small", text: [p.room, p.date_of_birth, p.id_number ? `…${p.id_number.slice(-4)}` : ""].filter(Boolean).join(" · ") }));
        }))
      : h("p", { class: "muted", text: t("Chưa có người nào chờ gửi.") }),
  );
}

// Copy the person into the inputs (after a restore, or a reset for the next person).
function show(v) {
  const p = v.person;
  const c = v.controls;
  c.id.value = p.id_number;
  c.name.value = p.full_name;
  c.year.value = p.birth;
  c.sex.value = p.sex;
  c.room.value = p.room;
  c.residence.value = p.residence;
  c.home.value = p.home_province_code;
  c.card.value = p.id_card;
  c.eid.value = p.eid;
  v.homeBox.hidden = p.residence === "permanent";
  describeId(p, v.info);
}

// The 12 digits are in: fill province, sex, year (and the card, since the number is on it).
function onNumber(v) {
  const p = v.person;
  p.id_number = v.controls.id.value;
  const info = idInfo(p.id_number);
  if (info) {
    p.sex = info.sex;
    p.birth = String(info.birth_year);
    // A guess the officer checks: the birth province, when it is still a province of its own.
    const home = info.province_code.slice(1);
    if (!p.home_province_code && homeProvinces()[home]) p.home_province_code = home;
    if (p.id_card === "not_collected") p.id_card = "issued";
    show(v);
    v.controls.name.focus();
  } else {
    describeId(p, v.info);
  }
}

function problemOf(v) {
  const p = v.person;
  const digits = p.id_number.replace(/[\s.-]+/g, "");
  if (digits && !idInfo(digits)) return t("Số định danh phải gồm đúng 12 chữ số.");
  if (!p.full_name.trim()) return t("Ghi họ và tên.");
  if (p.birth && !/^\d{4}$/.test(p.birth.trim())) return t("Năm sinh gồm 4 chữ số.");
  if (digits && v.numbers.has(digits)) return t("Số định danh này vừa ghi rồi.");
  return null;
}

// The draft: the person being typed and the client_id they will be saved under.
function keepDraft(v) {
  return put("drafts", { key: v.draftKey, username: v.me.username, person: v.person, client_id: v.clientId, updated_at: isoLocal() });
}

async function save(v, event) {
  event.preventDefault();
  // One save at a time: a double tap must not record the person twice.
  if (v.saving) return;
  const problem = problemOf(v);
  v.error.hidden = !problem;
  if (problem) {
    v.error.textContent = problem;
    (problem === t("Ghi họ và tên.") ? v.controls.name : v.controls.id).focus();
    return;
  }
  v.saving = true;
  v.button.disabled = true;
  const person = personBody(v.person, { site: true });
  // The client_id made when the form was reset: saving this person again (after an error, or
  // from a restored draft) overwrites the same outbox entry.
  const body = { client_id: v.clientId, ...refOf(v.hh), visited_at: isoLocal(), ...v.watcher.result(), outcome: "met", residents: [], new_residents: [person], note: "" };
  try {
    await outbox.enqueue("visit", body, { username: v.me.username, label: `${v.hh.site_name || v.hh.address}: ${person.full_name}`, extra: { capture: true } });
  } catch (err) {
    // Not written: the person stays in the form, to save again.
    v.error.textContent = writeFailure(err);
    v.error.hidden = false;
    toast(v.error.textContent, "error");
    v.saving = false;
    v.button.disabled = false;
    return;
  }
  if (person.id_number) v.numbers.add(person.id_number);
  v.saved += 1;
  v.person = blank(v.person);
  v.clientId = newId();
  v.saving = false;
  v.button.disabled = false;
  v.save.cancel();
  show(v);
  drawRecorded(v);
  toast(t("Đã lưu %(name)s. Người tiếp theo.", { name: person.full_name }), "ok");
  v.controls.id.focus();
  // A draft not reset keeps the person saved, with their client_id: saved again, it overwrites.
  await keepDraft(v).catch(() => {});
}

function controls(v) {
  const rooms = v.hh.rooms || [];
  const bindTo = (key) => (event) => {
    v.person[key] = event.target.value;
    if (key === "residence") v.homeBox.hidden = event.target.value === "permanent";
    v.save();
  };
  const c = {
    id: h("input", { id: "cap-id", inputmode: "numeric", maxlength: 15, autocomplete: "off", placeholder: t("12 chữ số trên thẻ") }),
    name: h("input", { id: "cap-name", maxlength: 200, autocapitalize: "words", autocomplete: "off" }),
    year: h("input", { id: "cap-year", inputmode: "numeric", maxlength: 4, placeholder: "1998" }),
    sex: select("sex", { "": "—", ...labels("sex") }, "", { id: "cap-sex" }),
    room: roomControl(rooms, "", { id: "cap-room" }),
    residence: select("residence", labels("residence"), "temporary", { id: "cap-residence" }),
    home: select("home_province_code", { "": "—", ...homeProvinces() }, "", { id: "cap-home" }),
    card: select("id_card", labels("id_card"), "not_collected", { id: "cap-card" }),
    eid: select("eid", labels("eid"), "none", { id: "cap-eid" }),
  };
  c.id.addEventListener("input", () => {
    onNumber(v);
    v.save();
  });
  const keys = { name: "full_name", year: "birth", sex: "sex", room: "room", residence: "residence", home: "home_province_code", card: "id_card", eid: "eid" };
  for (const [name, key] of Object.entries(keys)) {
    c[name].addEventListener("input", bindTo(key));
    c[name].addEventListener("change", bindTo(key));
  }
  return c;
}

function form(v) {
  const c = v.controls;
  const el = h("form", { id: "capture-form", novalidate: true, autocomplete: "off" });
  el.addEventListener("submit", (event) => save(v, event));
  return fill(el,
    field(t("Số định danh (CCCD)"), c.id),
    v.info,
    field(t("Họ và tên"), c.name),
    h("div", { class: "pair" }, field(t("Năm sinh"), c.year), field(t("Giới tính"), c.sex)),
    field(t("Phòng"), c.room),
    field(t("Diện cư trú"), c.residence),
    fill(v.homeBox, field(t("Tỉnh thường trú"), c.home)),
    h("div", { class: "pair" }, field(t("Căn cước"), c.card), field(t("VNeID"), c.eid)),
    v.error,
    h("div", { class: "actions" }, v.button),
  );
}

export async function render(view, { params, go }) {
  const me = user();
  const hh = await data.household(params[0]);
  if (!hh) return go("today");
  const draftKey = `capture:${params[0]}`;
  const kept = await get("drafts", draftKey);
  const mine = kept?.username === me.username;
  const v = {
    me, hh, draftKey, saved: 0, numbers: new Set(), saving: false,
    person: mine ? { ...blank(), ...kept.person } : blank(),
    clientId: (mine && kept.client_id) || newId(),
    button: h("button", { type: "submit", class: "btn primary", id: "cap-save", text: t("Lưu & người tiếp") }),
    info: h("p", { class: "small id-info", id: "cap-info", "aria-live": "polite" }),
    homeBox: h("div", { id: "cap-home-box" }),
    error: h("p", { class: "error", role: "alert", id: "capture-error", hidden: true }),
    listBox: h("div", { id: "capture-recorded" }),
    watcher: gps.watch(null),
  };
  v.save = debounce(() => keepDraft(v), 250);
  v.controls = controls(v);
  for (const e of await recorded(v)) {
    const number = e.body.new_residents[0]?.id_number;
    if (number) v.numbers.add(number);
  }
  const back = String(params[0]).startsWith(PENDING_PREFIX) ? "today" : `visit/${hh.id}`;
  fill(view,
    h("div", { class: "row between" }, h("h1", { text: t("Nhập nhanh") }), h("a", { class: "btn small", id: "capture-done", href: `#${back}`, text: t("Xong") })),
    h("p", { class: "muted", text: [hh.site_name, hh.address].filter(Boolean).join(" — ") }),
    form(v),
    v.listBox,
  );
  show(v);
  await drawRecorded(v);
  v.controls.id.focus();
  return () => {
    v.watcher.stop();
    v.save.flush();
    if (!v.person.full_name && !v.person.id_number) del("drafts", draftKey);
  };
}
