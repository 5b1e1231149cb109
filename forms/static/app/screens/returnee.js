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

export async function render(view, { params, go }) {
  const me = user();
  const fixing = params[0] ? await outbox.entry(params[0]) : null;
  let everyone = await people();
  const prior = fixing?.body || {};
  let chosen = prior.resident_id ? everyone.find((p) => p.id === prior.resident_id) || null : null;

  const query = h("input", { type: "search", id: "person-q", placeholder: t("Gõ tên để tìm"), autocomplete: "off", "aria-label": t("Tìm người") });
  const matches = h("div", { class: "list", id: "person-matches" });
  const chosenBox = h("div", { id: "person-chosen" });
  const typedName = h("input", { id: "typed-name", maxlength: 200, autocapitalize: "words", value: prior.resident_id ? "" : prior.full_name || "" });
  const householdSelect = h("select", { id: "typed-household" });
  async function drawHouseholds() {
    const chosenValue = householdSelect.value || String(prior.household_id || "");
    refill(
      householdSelect,
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
  const typedBox = h(
    "div",
    { id: "typed-box", hidden: Boolean(chosen) },
    field(t("Không có trong danh sách? Gõ họ tên"), typedName),
    field(t("Thuộc hộ (nếu biết)"), householdSelect),
  );
  const returned = h("input", { type: "date", id: "returned-on", required: true, value: prior.returned_on || todayIso(), max: todayIso() });
  const leaving = h("input", { type: "date", id: "leaving-on", value: prior.leaving_on || "" });
  const phone = h("input", { type: "tel", id: "phone", inputmode: "tel", maxlength: 20, autocomplete: "off", value: prior.phone || "" });
  const note = h("input", { id: "returnee-note", maxlength: 1000, value: prior.note || "" });
  const error = h("p", { class: "error", role: "alert", id: "returnee-error", hidden: true });

  function drawChosen() {
    typedBox.hidden = Boolean(chosen);
    query.hidden = Boolean(chosen);
    matches.hidden = Boolean(chosen);
    refill(chosenBox,
      chosen
        ? h(
            "div",
            { class: "chosen" },
            h("strong", { text: chosen.full_name }),
            h("span", { class: "muted small", text: [chosen.date_of_birth, chosen._household.address].filter(Boolean).join(" · ") }),
            h("button", { type: "button", class: "btn small", text: t("Đổi người"), onclick: () => { chosen = null; drawChosen(); query.focus(); } }),
          )
        : null,
    );
  }

  function drawMatches() {
    if (!query.value.trim()) return refill(matches);
    const match = matcher(query.value);
    const found = everyone.filter((p) => match(p._fold)).slice(0, 8);
    refill(matches,
      ...found.map((p) =>
        h(
          "button",
          { type: "button", class: "item pick", "data-resident": p.id, onclick: () => { chosen = p; drawChosen(); } },
          h("span", { class: "item-main" }, h("strong", { text: p.full_name }), h("span", { class: "muted small", text: [p.date_of_birth, p._household.address].filter(Boolean).join(" · ") })),
        ),
      ),
      found.length ? null : h("p", { class: "muted small", text: t("Không thấy; gõ họ tên ở ô bên dưới.") }),
    );
  }
  query.addEventListener("input", drawMatches);

  async function submit(event) {
    event.preventDefault();
    error.hidden = true;
    const body = { returned_on: returned.value };
    if (chosen) body.resident_id = chosen.id;
    else if (typedName.value.trim()) {
      body.full_name = typedName.value.trim();
      if (householdSelect.value) body.household_id = Number(householdSelect.value);
    }
    let problem = null;
    if (!chosen && !body.full_name) problem = t("Chọn người trong danh sách hoặc gõ họ tên.");
    else if (!body.returned_on) problem = t("Cần ngày về.");
    else if (leaving.value && leaving.value < body.returned_on) problem = t("Ngày đi phải sau ngày về.");
    if (problem) {
      error.textContent = problem;
      error.hidden = false;
      return;
    }
    if (leaving.value) body.leaving_on = leaving.value;
    if (phone.value.trim()) body.phone = phone.value.trim();
    if (note.value.trim()) body.note = note.value.trim();
    await outbox.enqueue("returnee", body, {
      username: me.username,
      label: chosen?.full_name || body.full_name,
      replaces: fixing?.state === "rejected" ? fixing.client_id : null,
    });
    toast(navigator.onLine ? t("Đã ghi, đang gửi…") : t("Đã ghi trên máy. Sẽ tự gửi khi có mạng."), "ok");
    if (fixing) go("outbox");
    else go("returnee");
  }

  const form = h(
    "form",
    { id: "returnee-form", onsubmit: submit, novalidate: true },
    h("label", { for: "person-q", text: t("Ai đã về?") }),
    query,
    matches,
    chosenBox,
    typedBox,
    field(t("Ngày về"), returned),
    field(t("Ngày đi lại (nếu biết)"), leaving),
    field(t("Số điện thoại"), phone),
    field(t("Ghi chú"), note),
    error,
    h("button", { type: "submit", class: "btn primary", id: "send-returnee", text: t("Báo cho công an xã") }),
  );

  // Households where three tries met nobody: the officer asks the village head for help.
  const helpBox = h("div", { id: "help-box" });
  async function drawHelp() {
    const byId = new Map((await data.households()).map((hh) => [hh.id, hh]));
    const rows = (await all("followups"))
      .filter((f) => f.status === "open" && f.needs_village_head)
      .sort((a, b) => String(a.due_date).localeCompare(String(b.due_date)));
    refill(
      helpBox,
      h("h2", {}, t("Cần trưởng thôn giúp"), h("span", { class: "count", id: "help-count", text: rows.length })),
      rows.length
        ? h(
            "ul",
            { class: "entries", id: "help-list" },
            rows.map((f) => {
              const hh = byId.get(f.household_id);
              const name = data.headOf(hh)?.full_name || f.household_code || t("Hộ không tên");
              return h(
                "li",
                { class: "entry", "data-household": f.household_id ?? "" },
                h("strong", { text: name }),
                h("span", { class: "small", text: f.household_address || hh?.address || "" }),
                h("span", { class: "small" }, h("span", { class: "tag warn", text: t("Đã đến %(n)s lần", { n: f.attempts ?? 0 }) }), f.reason ? ` ${f.reason}` : ""),
              );
            }),
          )
        : h("p", { class: "muted", text: t("Không có hộ nào cần giúp.") }),
    );
  }

  // People away working: a tap fills the form with that person.
  const SHORT = 10;
  let awayShown = SHORT;
  const awayBox = h("div", { id: "away-box" });
  function pickAway(p) {
    chosen = everyone.find((r) => r.id === p.resident_id) || {
      id: p.resident_id,
      full_name: p.full_name,
      _household: { address: p.household_address || "" },
    };
    query.value = "";
    drawChosen();
    form.scrollIntoView({ block: "start" });
  }
  async function drawAway() {
    const byId = new Map((await data.households()).map((hh) => [hh.id, hh]));
    const flagged = new Set((await all("returnees")).map((f) => f.resident_id));
    for (const e of await outbox.entries(me.username)) if (e.kind === "returnee") flagged.add(e.body?.resident_id);
    const rows = (await all("away")).sort((a, b) => String(a.full_name).localeCompare(String(b.full_name), "vi"));
    refill(
      awayBox,
      h("h2", {}, t("Đang đi làm ăn xa — báo khi về"), h("span", { class: "count", id: "away-count", text: rows.length })),
      rows.length
        ? h(
            "div",
            { class: "list", id: "away-list" },
            rows.slice(0, awayShown).map((p) => {
              const head = data.headOf(byId.get(p.household_id));
              const home = head && head.id !== p.resident_id ? t("Hộ %(name)s", { name: head.full_name }) : "";
              return h(
                "button",
                { type: "button", class: "item pick", "data-resident": p.resident_id, onclick: () => pickAway(p) },
                h(
                  "span",
                  { class: "item-main" },
                  h("strong", { text: p.full_name }),
                  h("span", { class: "muted small", text: [home, p.household_address].filter(Boolean).join(" · ") }),
                  flagged.has(p.resident_id) ? h("span", { class: "tag ok", text: t("Đã báo về") }) : null,
                ),
              );
            }),
            rows.length > awayShown
              ? h("button", {
                  type: "button",
                  class: "btn",
                  text: t("Xem thêm (%(n)s)", { n: rows.length - awayShown }),
                  onclick: () => {
                    awayShown += SHORT * 3;
                    drawAway();
                  },
                })
              : null,
          )
        : h("p", { class: "muted", text: t("Không có ai đang đi làm ăn xa.") }),
    );
  }

  const flagsBox = h("div", { id: "flags-box" });
  async function drawFlags() {
    const flags = (await all("returnees")).sort((a, b) =>
      String(b.returned_on).localeCompare(String(a.returned_on)),
    );
    const waiting = (await outbox.entries(me.username)).filter((e) => e.kind === "returnee");
    refill(
      flagsBox,
      waiting.length || flags.length
        ? h(
            "ul",
            { class: "entries", id: "my-flags" },
            waiting.map((e) =>
              h(
                "li",
                { class: `entry ${e.state}` },
                h("strong", { text: e.label }),
                h("span", {
                  class: "small",
                  text: `${formatDate(e.body.returned_on)} · ${e.state === "rejected" ? t("Bị từ chối") : t("Chờ gửi")}`,
                }),
              ),
            ),
            flags.map((f) => {
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
            }),
          )
        : h("p", { class: "muted", text: t("Chưa báo ai.") }),
    );
  }

  fill(view,
    h("h1", { text: t("Báo người về") }),
    fixing?.state === "rejected" ? errorList(fixing, t("Máy chủ đã từ chối. Sửa rồi gửi lại:")) : null,
    form,
    helpBox,
    awayBox,
    h("h2", { text: t("Tôi đã báo") }),
    flagsBox,
  );
  await Promise.all([drawHouseholds(), drawFlags(), drawHelp(), drawAway()]);
  const offs = [
    on("data-changed", async () => {
      everyone = await people();
      drawMatches();
      drawHouseholds();
      drawFlags();
      drawHelp();
      drawAway();
    }),
    on("outbox-changed", () => {
      drawFlags();
      drawAway();
    }),
  ];
  drawChosen();
  return () => offs.forEach((off) => off());
}
