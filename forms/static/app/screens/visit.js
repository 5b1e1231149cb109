// The household visit form: outcome; per resident presence, ID card, e-ID, smartphone, whether
// they can travel, a problem with their card and its issue date, and corrections; people found
// who are not on the list; a note. Drafts save as they are typed. The card fields are sent only
// when the officer changed them (a stale copy never undoes what the office recorded).
// #visit/<household id> opens a new visit; #fix/<client id> corrects a refused one.
import * as data from "../data.js";
import { del, get, put, writeFailure } from "../db.js";
import * as gps from "../gps.js";
import { t } from "../i18n.js";
import { label, labels } from "../labels.js";
import * as outbox from "../outbox.js";
import { user } from "../session.js";
import { ask, field, fill, formatWhen, h, refill, select, toast } from "../ui.js";
import { OfflineError, api, isOnline } from "../api.js";
import { debounce, isoLocal, newId } from "../util.js";
import { isSite } from "../sites.js";
import { errorList } from "./errors.js";

const SMART = { true: "yes", false: "no" };

function initialState(hh) {
  const residents = {};
  for (const r of hh?.residents || []) {
    if (r.id == null) continue; // recorded with a household not yet sent
    residents[r.id] = {
      presence: r.presence || "present",
      id_card: r.id_card || "not_collected",
      eid: r.eid || "none",
      smartphone: SMART[r.has_smartphone] ?? "",
      ...cardState(r),
      corrections: [],
    };
  }
  return { outcome: "", residents, new_residents: [], note: "" };
}

// A resident's card fields as on file: the values shown, and the same kept to tell a change.
function cardState(r) {
  const travel = r.unable_to_travel ? "yes" : "no";
  const issue = r.card_issue || "";
  const issuedOn = r.card_issued_on || "";
  return { travel, travel0: travel, card_issue: issue, card_issue0: issue, card_issued_on: issuedOn, card_issued_on0: issuedOn };
}

// The card fields of a visit's resident item: only those the officer changed.
function cardChanges(r) {
  const out = {};
  if (r.travel && r.travel !== r.travel0) out.unable_to_travel = r.travel === "yes";
  if ((r.card_issue ?? "") !== (r.card_issue0 ?? "")) out.card_issue = r.card_issue || null;
  if (r.card_issued_on && r.card_issued_on !== r.card_issued_on0) out.card_issued_on = r.card_issued_on;
  return out;
}

function stateFromBody(body, hh) {
  const state = initialState(hh);
  state.outcome = body.outcome || "";
  state.note = body.note || "";
  for (const r of body.residents || []) {
    const card = state.residents[r.resident_id] || cardState({});
    if (r.unable_to_travel != null) card.travel = r.unable_to_travel ? "yes" : "no";
    if ("card_issue" in r) card.card_issue = r.card_issue || "";
    if (r.card_issued_on) card.card_issued_on = r.card_issued_on;
    state.residents[r.resident_id] = {
      ...cardState({}),
      travel: card.travel,
      travel0: card.travel0,
      card_issue: card.card_issue,
      card_issue0: card.card_issue0,
      card_issued_on: card.card_issued_on,
      card_issued_on0: card.card_issued_on0,
      presence: r.presence,
      id_card: r.id_card,
      eid: r.eid,
      smartphone: SMART[r.has_smartphone] ?? "",
      corrections: (r.corrections || []).map((c) => ({ note: "", proposed: "", ...c })),
    };
  }
  state.new_residents = (body.new_residents || []).map((p) => ({ date_of_birth: "", sex: "", ...p }));
  return state;
}

// "09/05/2011" -> "2011-05-09"; "2011" and "2011-05-09" stay.
export function isoBirth(text) {
  const s = String(text || "").trim();
  const m = s.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/);
  return m ? `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}` : s;
}

function buildBody(draft, location) {
  const s = draft.state;
  const met = s.outcome === "met";
  const residents = met
    ? Object.entries(s.residents).map(([id, r]) => {
        const item = { resident_id: Number(id), presence: r.presence, id_card: r.id_card, eid: r.eid };
        if (r.smartphone) item.has_smartphone = r.smartphone === "yes";
        Object.assign(item, cardChanges(r));
        item.corrections = r.corrections
          .filter((c) => c.field)
          .map((c) => {
            const out = { field: c.field, proposed: c.proposed.trim() };
            if (c.note.trim()) out.note = c.note.trim();
            return out;
          });
        return item;
      })
    : [];
  const people = met
    ? s.new_residents
        .filter((p) => p.full_name.trim())
        .map((p) => {
          const out = { full_name: p.full_name.trim() };
          if (p.date_of_birth.trim()) out.date_of_birth = isoBirth(p.date_of_birth);
          if (p.sex) out.sex = p.sex;
          return out;
        })
    : [];
  const ref = draft.household_client_id
    ? { household_client_id: draft.household_client_id }
    : { household_id: draft.household_id };
  return {
    client_id: draft.client_id,
    ...ref,
    visited_at: draft.visited_at || isoLocal(),
    ...location,
    outcome: s.outcome,
    residents,
    new_residents: people,
    note: s.note.trim(),
  };
}

// What a refusal blames: the time (phone clock wrong) or the location (e.g. outside Vietnam).
function blamed(errors, name) {
  return Object.keys(errors || {}).some((k) => k === name || k.startsWith(`${name}.`));
}

// Vietnam time (UTC+7, no daylight saving) for a datetime-local input, and back.
const VN = 7 * 3600_000;
const vnInput = (d = new Date()) => new Date(d.getTime() + VN).toISOString().slice(0, 16);
const vnIso = (value) => `${value.length === 16 ? `${value}:00` : value.slice(0, 19)}+07:00`;

// The household to visit, or the refused visit to fix; `goTo` when the route is elsewhere.
async function openTarget(params, mode) {
  if (mode !== "fix") {
    return { fixing: null, hh: await data.household(params[0]), draftKey: `visit:${params[0]}` };
  }
  const fixing = await outbox.entry(params[0]);
  if (!fixing || fixing.state !== "rejected") return { goTo: "outbox" };
  if (fixing.kind === "returnee") return { goTo: `returnee/${fixing.client_id}` };
  if (fixing.kind === "household") return { goTo: `household/${fixing.client_id}` };
  const ref = fixing.body.household_id ?? `c:${fixing.body.household_client_id}`;
  const hh = (await data.household(ref)) || (await data.householdByClientId(fixing.body.household_client_id));
  return { fixing, hh, draftKey: `fix:${fixing.client_id}` };
}

// A household on the server is named by its id; one still in this phone's outbox by the
// client_id it was created with.
function householdRef(body, hh) {
  if (body.household_client_id) return { household_id: null, household_client_id: body.household_client_id };
  if (hh?._pending) return { household_id: null, household_client_id: hh.client_id };
  return { household_id: body.household_id, household_client_id: null };
}

// The officer's own draft of this visit, or a new one.
async function openDraft(me, { fixing, hh, draftKey }) {
  const kept = await get("drafts", draftKey);
  if (kept && kept.username === me.username) {
    // Already saved under its client_id (by another tab, which wrote the draft back): sent
    // again under it, another body would be refused (409) for good. It goes as a new visit.
    const used = !fixing && kept.client_id && ((await outbox.entry(kept.client_id)) || (await get("sent", kept.client_id)));
    if (used) kept.client_id = newId();
    return { draft: kept, restored: true, used: Boolean(used) };
  }
  const draft = {
    key: draftKey,
    username: me.username,
    client_id: newId(),
    ...householdRef(fixing ? fixing.body : { household_id: hh.id }, hh),
    state: fixing ? stateFromBody(fixing.body, hh) : initialState(hh),
    fix: null,
    started_at: isoLocal(),
  };
  return { draft, restored: false };
}

// ---- position (not while fixing: the visit happened where and when it was first sent)

function gpsLine(v) {
  const line = h("p", { id: "gps", class: "gps wait", "aria-live": "polite" });
  if (v.fixPlace) {
    line.className = "gps warn";
    line.dataset.state = "dropped";
    line.textContent = t("Vị trí đã ghi bị từ chối: bản sửa gửi không có vị trí (lý do: không lấy được).");
  } else if (v.fixing) {
    const loc = v.fixing.body.location;
    line.className = loc ? "gps ok" : "gps bad";
    line.textContent = loc
      ? t("Vị trí đã ghi: ±%(m)s m", { m: Math.round(loc.accuracy_m ?? 0) })
      : t("Không có vị trí (%(why)s)", { why: v.fixing.body.location_missing_reason });
  } else {
    const show = gpsShower(line, v.draft);
    // A fix kept in the draft counts only if recent (the officer may have walked on).
    const kept = v.draft.fix && Date.now() - v.draft.fix.at < 15 * 60_000 ? v.draft.fix : null;
    v.draft.fix = kept;
    show({ best: kept, error: null });
    v.watcher = gps.watch(show, { initial: kept });
  }
  return line;
}

// Show the position as it comes; the draft keeps the most accurate fix.
export function gpsShower(line, draft) {
  return ({ best, error }) => {
    if (best) {
      line.className = best.accuracy_m <= 50 ? "gps ok" : "gps warn";
      line.textContent = t("Vị trí: ±%(m)s m", { m: Math.round(best.accuracy_m) });
      line.dataset.accuracy = best.accuracy_m;
      if (!draft.fix || best.accuracy_m < draft.fix.accuracy_m) draft.fix = best;
    } else if (error === "denied") {
      line.className = "gps bad";
      line.textContent = t("Không được phép lấy vị trí. Lượt thăm vẫn được lưu, ghi rõ lý do.");
    } else if (error) {
      line.className = "gps bad";
      const why = error === "timeout" ? t("hết giờ") : t("không có tín hiệu");
      line.textContent = t("Chưa lấy được vị trí (%(why)s). Đang thử tiếp…", { why });
    } else {
      line.className = "gps wait";
      line.textContent = t("Đang lấy vị trí…");
    }
    line.dataset.state = best ? "fix" : error || "wait";
  };
}

// ---- the form

function stopGps(v) {
  if (v.watcher) v.watcher.stop();
}

// Redraw the residents after a change of their list, and save the draft.
function changed(v) {
  drawResidents(v);
  v.save();
}

function bindInputs(v, form) {
  function onInput(event) {
    const path = event.target.dataset?.bind;
    if (!path) return;
    const keys = path.split(".");
    let node = v.draft.state;
    for (const k of keys.slice(0, -1)) node = node[k];
    node[keys.at(-1)] = event.target.value;
    if (path === "outcome") drawResidents(v);
    v.save();
  }
  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
}

function correctionRow(v, rid, c, i) {
  const base = `residents.${rid}.corrections.${i}`;
  return h(
    "div",
    { class: "correction" },
    field(t("Thông tin sai"), select("field", { "": t("— chọn —"), ...labels("correction_field") }, c.field, { "data-bind": `${base}.field` })),
    field(t("Đúng là"), h("input", { value: c.proposed, "data-bind": `${base}.proposed`, maxlength: 300 })),
    field(t("Ghi chú (giấy tờ đã xem)"), h("input", { value: c.note, "data-bind": `${base}.note`, maxlength: 500 })),
    h("button", {
      type: "button",
      class: "btn small",
      text: t("Bỏ dòng này"),
      onclick: () => {
        v.draft.state.residents[rid].corrections.splice(i, 1);
        changed(v);
      },
    }),
  );
}

// The offline copy holds ID numbers masked (last 4 digits). "Hiện số" asks the server for the
// full number (audited there as read from phone:visit-form) and keeps it in this screen's
// memory only: never in the draft, never in IndexedDB; leaving the screen forgets it.
async function reveal(v, r, shown) {
  if (!isOnline()) {
    toast(t("Cần có mạng để xem số đầy đủ"), "error");
    return;
  }
  try {
    const full = await api("GET", `/api/v1/residents/${r.id}?reveal=id_number&client=phone:visit-form`);
    if (!full?.id_number) return;
    v.revealed[r.id] = full.id_number;
    shown.textContent = full.id_number;
    shown.dataset.revealed = "1";
    shown.nextElementSibling?.remove();
  } catch (err) {
    toast(err instanceof OfflineError ? t("Cần có mạng để xem số đầy đủ") : err.message, "error");
  }
}

function idNumberLine(v, r) {
  const full = v.revealed[r.id];
  const shown = h("span", { class: "id-number", text: full || r.id_number, "data-revealed": full ? "1" : null });
  const button = full
    ? null
    : h("button", { type: "button", class: "btn small show-id", text: t("Hiện số"), onclick: () => reveal(v, r, shown) });
  return h("span", {}, ` · ${t("Số ĐD")}: `, shown, " ", button);
}

function residentCard(v, r) {
  const s = v.draft.state.residents[r.id];
  if (!s) return null;
  const base = `residents.${r.id}`;
  const facts = [r.date_of_birth, label("sex", r.sex), r.relationship && label("relationship", r.relationship)]
    .filter(Boolean)
    .join(" · ");
  return h(
    "fieldset",
    { class: "resident", "data-resident": r.id },
    h("legend", { text: r.full_name }),
    h("p", { class: "muted small" }, facts, r.id_number ? idNumberLine(v, r) : ""),
    field(t("Có mặt"), select("presence", labels("presence"), s.presence, { "data-bind": `${base}.presence` })),
    field(t("Căn cước"), select("id_card", labels("id_card"), s.id_card, { "data-bind": `${base}.id_card` })),
    field(t("Định danh điện tử (VNeID)"), select("eid", labels("eid"), s.eid, { "data-bind": `${base}.eid` })),
    field(t("Điện thoại thông minh"), select("smartphone", labels("smartphone"), s.smartphone, { "data-bind": `${base}.smartphone` })),
    field(t("Đi lại"), select("travel", labels("travel"), s.travel || "no", { "data-bind": `${base}.travel` }), t("Không thể đi lại: thu nhận căn cước tại nhà")),
    field(t("Vấn đề với thẻ"), select("card_issue", { "": t("Không có vấn đề"), ...labels("card_issue") }, s.card_issue || "", { "data-bind": `${base}.card_issue` })),
    field(t("Ngày cấp thẻ"), h("input", { type: "date", name: "card_issued_on", value: s.card_issued_on || "", max: isoLocal().slice(0, 10), "data-bind": `${base}.card_issued_on` }), t("Ghi khi biết (ngày cấp trên thẻ)")),
    v.hh?.id != null
      ? h("a", { class: "btn small scan-card", href: `#scan/${v.hh.id}/${r.id}`, text: t("Quét mã QR") })
      : null,
    s.corrections.map((c, i) => correctionRow(v, r.id, c, i)),
    h("button", {
      type: "button",
      class: "btn small add-correction",
      text: t("+ Báo thông tin sai"),
      onclick: () => {
        s.corrections.push({ field: "", proposed: "", note: "" });
        changed(v);
      },
    }),
  );
}

function personCard(v, p, i) {
  const base = `new_residents.${i}`;
  return h(
    "fieldset",
    { class: "resident new" },
    h("legend", { text: t("Người mới %(n)s", { n: i + 1 }) }),
    field(t("Họ và tên"), h("input", { value: p.full_name, "data-bind": `${base}.full_name`, maxlength: 200, required: true, autocapitalize: "words" })),
    field(
      t("Ngày sinh"),
      h("input", { value: p.date_of_birth, "data-bind": `${base}.date_of_birth`, maxlength: 10, inputmode: "numeric", placeholder: "09/05/2011" }),
      t("Ngày/tháng/năm, hoặc chỉ năm sinh"),
    ),
    field(t("Giới tính"), select("sex", { "": "—", ...labels("sex") }, p.sex, { "data-bind": `${base}.sex` })),
    h("button", {
      type: "button",
      class: "btn small",
      text: t("Bỏ người này"),
      onclick: () => {
        v.draft.state.new_residents.splice(i, 1);
        changed(v);
      },
    }),
  );
}

// The residents and the people found, shown only when someone was met.
function drawResidents(v) {
  const { draft, residentsBox, peopleBox } = v;
  const met = draft.state.outcome === "met";
  residentsBox.hidden = !met;
  peopleBox.hidden = !met;
  if (!met) return;
  refill(residentsBox,
    h("h2", { text: t("Nhân khẩu") }),
    (v.hh?.residents || []).map((r) => residentCard(v, r)),
  );
  refill(peopleBox,
    draft.state.new_residents.map((p, i) => personCard(v, p, i)),
    h("button", {
      type: "button",
      class: "btn",
      id: "add-person",
      text: t("+ Thêm người không có trong danh sách"),
      onclick: () => {
        draft.state.new_residents.push({ full_name: "", date_of_birth: "", sex: "" });
        changed(v);
        peopleBox.querySelectorAll("fieldset.new input")[draft.state.new_residents.length * 2 - 2]?.focus();
      },
    }),
  );
}

function outcomeChoices(draft) {
  return h(
    "fieldset",
    { class: "choices", id: "outcome" },
    h("legend", { text: t("Kết quả") }),
    Object.keys(labels("outcome")).map((value) =>
      h(
        "label",
        { class: "choice" },
        h("input", { type: "radio", name: "outcome", value, checked: draft.state.outcome === value, "data-bind": "outcome" }),
        h("span", { text: label("outcome", value) }),
      ),
    ),
  );
}

// What keeps the visit from being saved, or null.
function problemOf(v) {
  const s = v.draft.state;
  if (v.fixTime && !v.timeInput.value) return t("Ghi ngày giờ của lượt thăm.");
  if (!s.outcome) return t("Chọn kết quả của lượt thăm.");
  if (s.outcome === "met" && s.new_residents.some((p) => !p.full_name.trim() && (p.date_of_birth || p.sex)))
    return t("Người mới cần có họ và tên.");
  return null;
}

// Where the visit was: as watched, or while fixing as first sent (none if that was refused).
function locationOf(v) {
  if (v.fixPlace) return { location: null, location_missing_reason: "unavailable" };
  if (v.fixing) {
    const body = v.fixing.body;
    return { location: body.location ?? null, location_missing_reason: body.location_missing_reason ?? null };
  }
  return v.watcher?.result();
}

async function submit(v, event) {
  event.preventDefault();
  const { draft, fixing, formError } = v;
  formError.hidden = true;
  if (v.fixTime) draft.fixed_time = v.timeInput.value;
  const problem = problemOf(v);
  if (problem) {
    formError.textContent = problem;
    formError.hidden = false;
    formError.scrollIntoView({ block: "center" });
    return;
  }
  const location = locationOf(v);
  if (v.fixTime) {
    draft.visited_at = vnIso(draft.fixed_time);
    // A new time cannot link the fix to its refused copy by household and time; the same
    // client_id does (nothing was created under it, the server refused it).
    draft.client_id = fixing.client_id;
  } else if (fixing?.code === 409 && draft.client_id === fixing.client_id) {
    // The server holds another visit under that client_id: never resend it with a new body.
    draft.client_id = newId();
  }
  const body = buildBody(draft, location);
  const head = data.headOf(v.hh);
  try {
    await outbox.enqueue("visit", body, {
      username: v.me.username,
      label: [head?.full_name, v.hh?.address].filter(Boolean).join(" — "),
      replaces: fixing ? fixing.client_id : null,
    });
  } catch (err) {
    // Not written (storage full, or another tab upgraded the database): say so, keep the form.
    formError.textContent = writeFailure(err);
    formError.hidden = false;
    formError.scrollIntoView({ block: "center" });
    toast(formError.textContent, "error");
    return;
  }
  stopGps(v);
  v.save.cancel();
  // The visit is in the outbox; a draft left behind gets a new client_id when restored.
  await del("drafts", v.draftKey).catch(() => {});
  toast(navigator.onLine ? t("Đã lưu, đang gửi…") : t("Đã lưu trên máy. Sẽ tự gửi khi có mạng."), "ok");
  v.go(fixing ? "outbox" : v.home());
}

async function discard(v) {
  if (!(await ask(t("Bỏ bản nháp này? Những gì đã nhập sẽ mất."), { yes: t("Bỏ nháp"), danger: true }))) return;
  stopGps(v);
  v.save.cancel();
  await del("drafts", v.draftKey);
  v.go(v.fixing ? "outbox" : v.home());
}

// The time of a visit refused for its time, to be set again.
function fixTimeField(v) {
  v.timeInput = h("input", {
    type: "datetime-local",
    id: "fix-visited-at",
    required: true,
    value: v.draft.fixed_time,
    max: vnInput(new Date(Date.now() + 5 * 60_000)),
    onchange: (event) => {
      v.draft.fixed_time = event.target.value;
      v.save();
    },
  });
  return field(t("Thời điểm thăm (giờ Việt Nam)"), v.timeInput, t("Máy chủ không nhận thời điểm đã ghi (giờ trên điện thoại có thể sai). Ghi ngày giờ đúng."));
}

function visitForm(v) {
  const form = h("form", { id: "visit-form", novalidate: true });
  bindInputs(v, form);
  form.addEventListener("submit", (event) => submit(v, event));
  form.append(
    v.fixTime ? fixTimeField(v) : null,
    outcomeChoices(v.draft),
    v.residentsBox,
    v.peopleBox,
    field(t("Ghi chú"), h("textarea", { name: "note", rows: 3, maxlength: 2000, "data-bind": "note", value: v.draft.state.note })),
    v.formError,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "btn primary", id: "save-visit", text: v.fixing ? t("Gửi lại bản đã sửa") : t("Lưu lượt thăm") }),
      h("button", { type: "button", class: "btn", id: "discard", text: t("Bỏ nháp"), onclick: () => discard(v) }),
    ),
  );
  return form;
}

export async function render(view, { params, mode, go, home }) {
  const me = user();
  const target = await openTarget(params, mode);
  if (target.goTo) return go(target.goTo);
  const { fixing, hh, draftKey } = target;
  if (!hh && !fixing) {
    fill(view, h("p", { class: "banner bad", text: t("Không có hộ này trên máy.") }));
    return;
  }
  const { draft, restored, used } = await openDraft(me, target);
  // A refusal for the time or the location lets the officer fix them; otherwise the fix keeps
  // both as first sent (the server links a fix to its refused copy by household and time).
  // Only a 422 blames the time: a 409 lists every field that differs from the visit the server
  // already holds under that client_id, the time among them.
  const fixTime = fixing?.code === 422 && blamed(fixing.errors, "visited_at");
  const fixPlace =
    Boolean(fixing) && (blamed(fixing.errors, "location") || blamed(fixing.errors, "location_missing_reason"));
  if (fixing) draft.visited_at = fixing.body.visited_at;
  if (fixTime && !draft.fixed_time) draft.fixed_time = vnInput();
  const v = {
    me, hh, fixing, draftKey, draft, fixTime, fixPlace, go, home,
    save: debounce(() => put("drafts", { ...draft, updated_at: isoLocal() }), 250),
    watcher: null,
    timeInput: null,
    revealed: {}, // full ID numbers shown on request, for this screen only
    residentsBox: h("div", { id: "residents" }),
    peopleBox: h("div", { id: "new-people" }),
    formError: h("p", { class: "error", role: "alert", id: "form-error", hidden: true }),
  };
  const position = gpsLine(v);
  const form = visitForm(v);
  drawResidents(v);
  const head = data.headOf(hh);
  fill(view,
    h("h1", { text: hh?.site_name || head?.full_name || hh?.code || t("Hộ #%(id)s", { id: draft.household_id }) }),
    h("p", { class: "muted", text: hh?.address || "" }),
    hh && !fixing && isSite(hh.kind)
      ? h("a", { class: "btn", id: "quick-capture", href: `#capture/${hh.id}`, text: t("Nhập nhanh nhiều người") })
      : null,
    position,
    restored ? h("p", { class: "banner", id: "draft-restored", text: t("Tiếp tục bản nháp lúc %(when)s", { when: formatWhen(draft.updated_at || draft.started_at) }) }) : null,
    used ? h("p", { class: "banner warn", id: "draft-used", text: t("Bản nháp này đã được lưu thành một lượt thăm rồi. Lưu lần nữa sẽ ghi thêm một lượt thăm mới; nếu không cần, bấm “Bỏ nháp”.") }) : null,
    fixing ? errorList(fixing, t("Máy chủ đã từ chối lượt thăm này. Sửa rồi gửi lại:")) : null,
    fixing?.code === 409
      ? h("p", { class: "banner warn", id: "fix-conflict", text: t("Máy chủ đã có một lượt thăm khác với cùng mã (có thể gửi từ thẻ hoặc máy khác). Bản sửa sẽ được gửi thành một lượt thăm mới; nếu lượt thăm trên máy chủ đã đúng, hãy bấm “Bỏ” trong Hộp thư đi.") })
      : null,
    form,
  );
  return () => stopGps(v);
}
