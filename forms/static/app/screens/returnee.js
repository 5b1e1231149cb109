// The village head's screen: flag a person who came home (pick from the hamlet's list or
// type the name), with the return date, leaving date and phone; the households officers could
// not meet three times ("ask the village head for help"); the people away working ("tell us
// when they are back": a tap fills the form); my flags and whether an officer has visited.
// #returnee/<client id> corrects a refused flag.
import * as data from "../data.js";
import { all } from "../db.js";
import { t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { user } from "../session.js";
import { fold, matcher } from "../text.js";
import { field, fill, formatDate, h, refill, toast } from "../ui.js";
import { on, todayIso } from "../util.js";
import { errorList } from "./errors.js";

async function people() {
  const rows = [];
  for (const hh of await data.households()) {
    for (const r of hh.residents || []) {
      rows.push({ ...r, _household: hh, _fold: fold(`${r.full_name} ${hh.address || ""}`) });
    }
  }
  return rows.sort((a, b) => a.full_name.localeCompare(b.full_name, "vi"));
}

function visitedText(flag) {
  const status = flag.followup?.status ?? flag.followup_status;
  const visited = flag.visited ?? (status === "done");
  if (visited) return [t("Cán bộ đã đến thăm"), "ok"];
  if (status === "cancelled") return [t("Đã hủy"), "muted"];
  return [t("Chưa thăm"), "warn"];
}

// ---- the form: pick from the list or type the name, with the dates, phone and a note

function formInputs(prior) {
  return {
    query: h("input", { type: "search", id: "person-q", placeholder: t("Gõ tên để tìm"), autocomplete: "off", "aria-label": t("Tìm người") }),
    matches: h("div", { class: "list", id: "person-matches" }),
    chosenBox: h("div", { id: "person-chosen" }),
    typedName: h("input", { id: "typed-name", maxlength: 200, autocapitalize: "words", value: prior.resident_id ? "" : prior.full_name || "" }),
    householdSelect: h("select", { id: "typed-household" }),
    returned: h("input", { type: "date", id: "returned-on", required: true, value: prior.returned_on || todayIso(), max: todayIso() }),
    leaving: h("input", { type: "date", id: "leaving-on", value: prior.leaving_on || "" }),
    phone: h("input", { type: "tel", id: "phone", inputmode: "tel", maxlength: 20, autocomplete: "off", value: prior.phone || "" }),
    note: h("input", { id: "returnee-note", maxlength: 1000, value: prior.note || "" }),
    error: h("p", { class: "error", role: "alert", id: "returnee-error", hidden: true }),
  };
}

async function drawHouseholds(s) {
  const chosenValue = s.householdSelect.value || String(s.prior.household_id || "");
  refill(
    s.householdSelect,
    h("option", { value: "", text: t("— không rõ —") }),
    (await data.households())
      .map((hh) => [hh, data.headOf(hh)])
      .sort((a, b) => (a[1]?.full_name || "").localeCompare(b[1]?.full_name || "", "vi"))
      .map(([hh, head]) =>
        h("option", {
          value: hh.id,
          selected: String(hh.id) === chosenValue,
          text: `${head?.full_name || hh.code || hh.id} — ${hh.address || ""}`,
        }),
      ),
  );
}

function drawChosen(s) {
  const { chosen } = s;
  s.typedBox.hidden = Boolean(chosen);
  s.query.hidden = Boolean(chosen);
  s.matches.hidden = Boolean(chosen);
  const change = () => {
    s.chosen = null;
    drawChosen(s);
    s.query.focus();
  };
  refill(s.chosenBox,
    chosen
      ? h(
          "div",
          { class: "chosen" },
          h("strong", { text: chosen.full_name }),
          h("span", { class: "muted small", text: [chosen.date_of_birth, chosen._household.address].filter(Boolean).join(" · ") }),
          h("button", { type: "button", class: "btn small", text: t("Đổi người"), onclick: change }),
        )
      : null,
  );
}

function drawMatches(s) {
  if (!s.query.value.trim()) return refill(s.matches);
  const match = matcher(s.query.value);
  const found = s.everyone.filter((p) => match(p._fold)).slice(0, 8);
  const pick = (p) => {
    s.chosen = p;
    drawChosen(s);
  };
  refill(s.matches,
    ...found.map((p) =>
      h(
        "button",
        { type: "button", class: "item pick", "data-resident": p.id, onclick: () => pick(p) },
        h("span", { class: "item-main" }, h("strong", { text: p.full_name }), h("span", { class: "muted small", text: [p.date_of_birth, p._household.address].filter(Boolean).join(" · ") })),
      ),
    ),
    found.length ? null : h("p", { class: "muted small", text: t("Không thấy; gõ họ tên ở ô bên dưới.") }),
  );
}

// The flag to send, and what keeps it from being sent (or null).
function flagBody(s) {
  const body = { returned_on: s.returned.value };
  if (s.chosen) body.resident_id = s.chosen.id;
  else if (s.typedName.value.trim()) {
    body.full_name = s.typedName.value.trim();
    if (s.householdSelect.value) body.household_id = Number(s.householdSelect.value);
  }
  let problem = null;
  if (!s.chosen && !body.full_name) problem = t("Chọn người trong danh sách hoặc gõ họ tên.");
  else if (!body.returned_on) problem = t("Cần ngày về.");
  else if (s.leaving.value && s.leaving.value < body.returned_on) problem = t("Ngày đi phải sau ngày về.");
  if (s.leaving.value) body.leaving_on = s.leaving.value;
  if (s.phone.value.trim()) body.phone = s.phone.value.trim();
  if (s.note.value.trim()) body.note = s.note.value.trim();
  return [body, problem];
}

async function submit(s, event) {
  event.preventDefault();
  s.error.hidden = true;
  const [body, problem] = flagBody(s);
  if (problem) {
    s.error.textContent = problem;
    s.error.hidden = false;
    return;
  }
  await outbox.enqueue("returnee", body, {
    username: s.me.username,
    label: s.chosen?.full_name || body.full_name,
    replaces: s.fixing?.state === "rejected" ? s.fixing.client_id : null,
  });
  toast(navigator.onLine ? t("Đã ghi, đang gửi…") : t("Đã ghi trên máy. Sẽ tự gửi khi có mạng."), "ok");
  if (s.fixing) s.go("outbox");
  else s.go("returnee");
}

function returneeForm(s) {
  s.typedBox = h(
    "div",
    { id: "typed-box", hidden: Boolean(s.chosen) },
    field(t("Không có trong danh sách? Gõ họ tên"), s.typedName),
    field(t("Thuộc hộ (nếu biết)"), s.householdSelect),
  );
  s.query.addEventListener("input", () => drawMatches(s));
  return h(
    "form",
    { id: "returnee-form", onsubmit: (event) => submit(s, event), novalidate: true },
    h("label", { for: "person-q", text: t("Ai đã về?") }),
    s.query,
    s.matches,
    s.chosenBox,
    s.typedBox,
    field(t("Ngày về"), s.returned),
    field(t("Ngày đi lại (nếu biết)"), s.leaving),
    field(t("Số điện thoại"), s.phone),
    field(t("Ghi chú"), s.note),
    s.error,
    h("button", { type: "submit", class: "btn primary", id: "send-returnee", text: t("Báo cho công an xã") }),
  );
}

// ---- households where three tries met nobody: the officer asks the village head for help

function helpEntry(f, byId) {
  const hh = byId.get(f.household_id);
  const name = data.headOf(hh)?.full_name || f.household_code || t("Hộ không tên");
  return h(
    "li",
    { class: "entry", "data-household": f.household_id ?? "" },
    h("strong", { text: name }),
    h("span", { class: "small", text: f.household_address || hh?.address || "" }),
    h("span", { class: "small" }, h("span", { class: "tag warn", text: t("Đã đến %(n)s lần", { n: f.attempts ?? 0 }) }), f.reason ? ` ${f.reason}` : ""),
  );
}

async function drawHelp(s) {
  const byId = new Map((await data.households()).map((hh) => [hh.id, hh]));
  const rows = (await all("followups"))
    .filter((f) => f.status === "open" && f.needs_village_head)
    .sort((a, b) => String(a.due_date).localeCompare(String(b.due_date)));
  refill(
    s.helpBox,
    h("h2", {}, t("Cần trưởng thôn giúp"), h("span", { class: "count", id: "help-count", text: rows.length })),
    rows.length
      ? h("ul", { class: "entries", id: "help-list" }, rows.map((f) => helpEntry(f, byId)))
      : h("p", { class: "muted", text: t("Không có hộ nào cần giúp.") }),
  );
}

// ---- people away working: a tap fills the form with that person

const SHORT = 10;

function pickAway(s, p) {
  s.chosen = s.everyone.find((r) => r.id === p.resident_id) || {
    id: p.resident_id,
    full_name: p.full_name,
    _household: { address: p.household_address || "" },
  };
  s.query.value = "";
  drawChosen(s);
  s.form.scrollIntoView({ block: "start" });
}

function awayItem(s, p, byId, flagged) {
  const head = data.headOf(byId.get(p.household_id));
  const home = head && head.id !== p.resident_id ? t("Hộ %(name)s", { name: head.full_name }) : "";
  return h(
    "button",
    { type: "button", class: "item pick", "data-resident": p.resident_id, onclick: () => pickAway(s, p) },
    h(
      "span",
      { class: "item-main" },
      h("strong", { text: p.full_name }),
      h("span", { class: "muted small", text: [home, p.household_address].filter(Boolean).join(" · ") }),
      flagged.has(p.resident_id) ? h("span", { class: "tag ok", text: t("Đã báo về") }) : null,
    ),
  );
}

async function drawAway(s) {
  const byId = new Map((await data.households()).map((hh) => [hh.id, hh]));
  const flagged = new Set((await all("returnees")).map((f) => f.resident_id));
  for (const e of await outbox.entries(s.me.username)) if (e.kind === "returnee") flagged.add(e.body?.resident_id);
  const rows = (await all("away")).sort((a, b) => String(a.full_name).localeCompare(String(b.full_name), "vi"));
  const more = () => {
    s.awayShown += SHORT * 3;
    drawAway(s);
  };
  refill(
    s.awayBox,
    h("h2", {}, t("Đang đi làm ăn xa — báo khi về"), h("span", { class: "count", id: "away-count", text: rows.length })),
    rows.length
      ? h(
          "div",
          { class: "list", id: "away-list" },
          rows.slice(0, s.awayShown).map((p) => awayItem(s, p, byId, flagged)),
          rows.length > s.awayShown
            ? h("button", { type: "button", class: "btn", text: t("Xem thêm (%(n)s)", { n: rows.length - s.awayShown }), onclick: more })
            : null,
        )
      : h("p", { class: "muted", text: t("Không có ai đang đi làm ăn xa.") }),
  );
}

// ---- my flags: those waiting in the outbox, then those sent and whether an officer has visited

function waitingEntry(e) {
  return h(
    "li",
    { class: `entry ${e.state}` },
    h("strong", { text: e.label }),
    h("span", {
      class: "small",
      text: `${formatDate(e.body.returned_on)} · ${e.state === "rejected" ? t("Bị từ chối") : t("Chờ gửi")}`,
    }),
  );
}

function flagEntry(f) {
  const [text, kind] = visitedText(f);
  return h(
    "li",
    { class: "entry flag", "data-returnee": f.id },
    h("strong", { text: f.full_name || "" }),
    h(
      "span",
      { class: "small" },
      t("Về ngày %(d)s", { d: formatDate(f.returned_on) }),
      f.leaving_on ? ` · ${t("đi ngày %(d)s", { d: formatDate(f.leaving_on) })}` : "",
      " · ",
      h("span", { class: `tag ${kind}`, text }),
    ),
  );
}

async function drawFlags(s) {
  const flags = (await all("returnees")).sort((a, b) => String(b.returned_on).localeCompare(String(a.returned_on)));
  const waiting = (await outbox.entries(s.me.username)).filter((e) => e.kind === "returnee");
  refill(
    s.flagsBox,
    waiting.length || flags.length
      ? h("ul", { class: "entries", id: "my-flags" }, waiting.map(waitingEntry), flags.map(flagEntry))
      : h("p", { class: "muted", text: t("Chưa báo ai.") }),
  );
}

export async function render(view, { params, go }) {
  const fixing = params[0] ? await outbox.entry(params[0]) : null;
  const everyone = await people();
  const prior = fixing?.body || {};
  const s = {
    me: user(),
    fixing,
    prior,
    everyone,
    chosen: prior.resident_id ? everyone.find((p) => p.id === prior.resident_id) || null : null,
    go,
    ...formInputs(prior),
    helpBox: h("div", { id: "help-box" }),
    awayBox: h("div", { id: "away-box" }),
    awayShown: SHORT,
    flagsBox: h("div", { id: "flags-box" }),
  };
  s.form = returneeForm(s);
  fill(view,
    h("h1", { text: t("Báo người về") }),
    fixing?.state === "rejected" ? errorList(fixing, t("Máy chủ đã từ chối. Sửa rồi gửi lại:")) : null,
    s.form,
    s.helpBox,
    s.awayBox,
    h("h2", { text: t("Tôi đã báo") }),
    s.flagsBox,
  );
  await Promise.all([drawHouseholds(s), drawFlags(s), drawHelp(s), drawAway(s)]);
  const offs = [
    on("data-changed", async () => {
      s.everyone = await people();
      drawMatches(s);
      drawHouseholds(s);
      drawFlags(s);
      drawHelp(s);
      drawAway(s);
    }),
    on("outbox-changed", () => {
      drawFlags(s);
      drawAway(s);
    }),
  ];
  drawChosen(s);
  return () => offs.forEach((off) => off());
}
