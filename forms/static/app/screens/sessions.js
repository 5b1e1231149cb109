// Capture sessions ("Buổi thu nhận"): the sessions I am on (kept on the phone, so the screen
// opens offline) and, for one session, its invited people with one-tap results. Each result
// goes to the outbox with its own client_id and is sent to /api/v1/sessions/<id>/results; the
// server counts a client_id once, so sending again never counts twice.
import { all, get } from "../db.js";
import { t } from "../i18n.js";
import { label } from "../labels.js";
import * as outbox from "../outbox.js";
import { user } from "../session.js";
import { fill, formatDate, h, refill, toast } from "../ui.js";
import { newId, on, todayIso } from "../util.js";
import { freshness } from "./common.js";

const EID_CHOICES = ["", "level2_applied", "level2_active"];

function when(s) {
  const hours = s.starts_at ? ` ${s.starts_at.slice(0, 5)}${s.ends_at ? `–${s.ends_at.slice(0, 5)}` : ""}` : "";
  return `${formatDate(s.date)}${hours}`;
}

function where(s) {
  return s.site_name || s.place || s.hamlet_code || s.commune_code || "";
}

async function listView(view) {
  const sessions = (await all("sessions")).filter((s) => s.status !== "cancelled");
  sessions.sort((a, b) => `${a.date}${a.starts_at || ""}`.localeCompare(`${b.date}${b.starts_at || ""}`));
  const day = todayIso();
  fill(view,
    h("h1", { text: t("Buổi thu nhận") }),
    await freshness(),
    sessions.length
      ? h("div", { class: "list", id: "session-list" },
          sessions.map((s) =>
            h("a", { class: "item", href: `#sessions/${s.id}`, "data-session": s.id },
              h("span", { class: "item-main" },
                h("strong", { text: `${label("session_kind", s.kind)} · ${when(s)}` }),
                h("span", { class: "muted", text: where(s) }),
                h("span", {
                  class: s.date === day ? "tag warn" : "tag",
                  text: t("%(done)s/%(all)s người đã ghi", { done: s.results_total ?? 0, all: (s.residents || []).length }),
                }),
              ),
            ),
          ),
        )
      : h("p", { class: "muted", id: "no-sessions", text: t("Bạn chưa có buổi thu nhận nào.") }),
  );
}

// What is known of a person's result: the last one queued on this phone, else the server's.
function resultOf(person, queued) {
  const mine = queued.filter((e) => e.body?.resident_id === person.resident_id);
  if (mine.length) return { ...mine[mine.length - 1].body, _pending: mine[mine.length - 1].state };
  return person.result || null;
}

function resultText(result) {
  if (!result) return t("Chưa ghi");
  if (!result.attended) return t("Không đến");
  const parts = [t("Đã đến")];
  if (result.id_card) parts.push(label("id_card", result.id_card));
  if (result.eid) parts.push(label("eid", result.eid));
  if (result.note) parts.push(result.note);
  return parts.join(" · ");
}

async function record(session, person, fields) {
  const body = {
    client_id: newId(),
    resident_id: person.resident_id,
    attended: fields.attended,
    ...(fields.id_card ? { id_card: fields.id_card } : {}),
    ...(fields.eid ? { eid: fields.eid } : {}),
    ...(fields.note ? { note: fields.note } : {}),
  };
  await outbox.enqueue("session_result", body, {
    username: user().username,
    label: `${person.full_name} · ${t("Buổi thu nhận")} ${formatDate(session.date)}`,
    extra: { session_id: session.id },
  });
  toast(t("Đã lưu kết quả; sẽ gửi khi có mạng."));
}

function details(session, person, redraw) {
  const collected = h("input", { type: "checkbox", name: "id_card", id: `id-card-${person.resident_id}` });
  const eid = h("select", { name: "eid", id: `eid-${person.resident_id}` },
    EID_CHOICES.map((v) => h("option", { value: v, text: v ? label("eid", v) : t("VNeID: không đổi") })));
  const note = h("input", { type: "text", name: "note", maxlength: "1000", placeholder: t("Ghi chú"), id: `note-${person.resident_id}` });
  const save = async () => {
    await record(session, person, {
      attended: true,
      id_card: collected.checked ? "collected" : null,
      eid: eid.value || null,
      note: note.value.trim(),
    });
    redraw();
  };
  return h("div", { class: "session-details", hidden: true },
    h("label", { class: "check" }, collected, ` ${t("Đã thu nhận hồ sơ căn cước")}`),
    eid,
    note,
    h("button", { type: "button", class: "btn primary", "data-action": "save", text: t("Lưu kết quả"), onclick: save }),
  );
}

function personItem(session, person, queued, redraw) {
  const result = resultOf(person, queued);
  const more = details(session, person, redraw);
  const quick = (fields) => async () => {
    await record(session, person, fields);
    redraw();
  };
  return h("div", { class: "item session-person", "data-resident": person.resident_id },
    h("span", { class: "item-main" },
      h("strong", { text: person.full_name }),
      h("span", { class: "muted", text: [person.year_of_birth, person.household_address].filter(Boolean).join(" · ") }),
      person.unable_to_travel ? h("span", { class: "tag warn", text: t("Không thể đi lại") }) : null,
      h("span", { class: result?._pending ? "tag warn result" : "tag result", text: resultText(result) }),
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn", "data-action": "collected", text: t("Đến · thu hồ sơ"),
          onclick: quick({ attended: true, id_card: "collected" }) }),
        h("button", { type: "button", class: "btn", "data-action": "absent", text: t("Không đến"),
          onclick: quick({ attended: false }) }),
        h("button", { type: "button", class: "btn", "data-action": "more", text: t("Khác…"),
          onclick: () => { more.hidden = !more.hidden; } }),
      ),
      more,
    ),
  );
}

async function sessionView(view, id, go) {
  const session = await get("sessions", Number(id));
  if (!session) {
    fill(view, h("p", { class: "muted", text: t("Không có buổi thu nhận này trên máy.") }),
      h("a", { class: "btn", href: "#sessions", text: t("Quay lại") }));
    return null;
  }
  const body = h("div", { class: "list", id: "session-people" });
  const draw = async () => {
    const queued = (await outbox.entries(user().username)).filter(
      (e) => e.kind === "session_result" && e.session_id === session.id,
    );
    refill(body, (session.residents || []).map((p) => personItem(session, p, queued, draw)));
  };
  fill(view,
    h("h1", { text: `${label("session_kind", session.kind)} · ${when(session)}` }),
    h("p", { class: "muted", text: where(session) }),
    session.equipment ? h("p", { class: "small", text: `${t("Thiết bị")}: ${session.equipment}` }) : null,
    body,
    h("a", { class: "btn", href: "#sessions", text: t("Quay lại") }),
  );
  await draw();
  const off = [on("outbox-changed", draw), on("data-changed", () => go(`sessions/${id}`))];
  return () => off.forEach((f) => f());
}

export async function render(view, { params, go }) {
  if (params[0]) return sessionView(view, params[0], go);
  await listView(view);
  return on("data-changed", () => go("sessions"));
}
