// The outbox: pending submissions, refused ones with the server's reasons (fix and resend),
// and the last ones the server confirmed. "Save to file" is the last resort.
import { isOnline } from "../api.js";
import { t } from "../i18n.js";
import { label } from "../labels.js";
import * as outbox from "../outbox.js";
import { user } from "../session.js";
import { state as syncState, syncNow } from "../sync.js";
import { ask, fill, formatWhen, h, refill, toast } from "../ui.js";
import { on } from "../util.js";
import { errorList } from "./errors.js";

function describe(row) {
  if (row.kind === "card_scan") return t("Quét thẻ căn cước: %(name)s", { name: row.label || "" });
  if (row.kind === "returnee") return t("Báo người về: %(name)s", { name: row.body?.full_name || row.label || "" });
  const outcome = row.body?.outcome || row.outcome;
  return [row.label, outcome ? label("outcome", outcome) : ""].filter(Boolean).join(" · ");
}

function pendingItem(row) {
  return h(
    "li",
    { class: "entry pending", "data-client-id": row.client_id },
    h("strong", { text: describe(row) || t("Lượt thăm") }),
    h("span", { class: "muted small", text: `${formatWhen(row.created_at)}${row.attempts ? ` · ${t("đã thử %(n)s lần", { n: row.attempts })}` : ""}` }),
  );
}

// What leaving a refused entry means: the server keeps a refused visit (the commander sees
// it), not a refused household, flag, reading or result; a household's waiting visits go to a
// file first.
async function discardQuestion(row) {
  if (row.kind === "visit") return t("Bỏ mục này khỏi máy? Máy chủ vẫn giữ bản bị từ chối để chỉ huy xem.");
  if (row.kind !== "household") return t("Bỏ mục này khỏi máy? Máy chủ không giữ bản bị từ chối; cần thì bấm Lưu ra tệp trước.");
  const waiting = (await outbox.waitingOn(row.client_id, row.username)).length;
  if (!waiting) return t("Bỏ hộ này khỏi máy? Máy chủ không giữ hộ bị từ chối.");
  return t("Bỏ hộ này? %(n)s lượt thăm đang chờ hộ này chưa lên máy chủ: máy sẽ lưu hộ và các lượt đó ra tệp rồi mới bỏ. Gửi tệp cho chỉ huy để nhập.", { n: waiting });
}

function rejectedItem(row, redraw, go) {
  return h(
    "li",
    { class: "entry rejected", "data-client-id": row.client_id },
    h("strong", { text: describe(row) || t("Lượt thăm") }),
    h("span", { class: "muted small", text: formatWhen(row.created_at) }),
    errorList(row),
    h(
      "div",
      { class: "row" },
      // A card reading has nothing to fix on the phone (scan again, or let it go); a session's
      // result is recorded again from its session, with a new client_id.
      row.kind === "card_scan" || row.kind === "session_result"
        ? null
        : h("button", { type: "button", class: "btn primary small fix", text: t("Sửa và gửi lại"), onclick: () => go(`fix/${row.client_id}`) }),
      h("button", {
        type: "button",
        class: "btn small",
        text: t("Bỏ"),
        onclick: async () => {
          const ok = await ask(await discardQuestion(row), { yes: t("Bỏ"), danger: true });
          if (ok && (await outbox.discard(row.client_id))) redraw();
        },
      }),
    ),
  );
}

function sentItem(row) {
  const flags = (row.flags || []).length ? ` · ${t("cần kiểm tra vị trí")}` : "";
  return h(
    "li",
    { class: "entry sent", "data-client-id": row.client_id },
    h("strong", { text: describe(row) || t("Lượt thăm") }),
    h("span", { class: "muted small", text: `${label("submission_status", row.status)} · ${formatWhen(row.sent_at)}${flags}` }),
  );
}

function sendNowButton() {
  const sendNow = h("button", {
    type: "button",
    class: "btn primary",
    id: "send-now",
    text: t("Gửi ngay"),
    onclick: async () => {
      if (!isOnline()) return toast(t("Chưa có mạng. Máy sẽ tự gửi khi có mạng."));
      sendNow.disabled = true;
      await syncNow();
      sendNow.disabled = false;
    },
  });
  return sendNow;
}

function exportButton(me) {
  return h("button", {
    type: "button",
    class: "btn",
    id: "export",
    text: t("Lưu ra tệp"),
    onclick: async () => {
      const doc = await outbox.exportFile(me.username);
      toast(t("Đã lưu %(n)s mục ra tệp. Gửi tệp cho chỉ huy nếu máy không gửi được.", { n: doc.entries.length }));
    },
  });
}

function syncStatus() {
  if (!isOnline()) return t("Mất mạng: các lượt thăm nằm an toàn trên máy và sẽ tự gửi khi có mạng.");
  if (syncState.busy) return t("Đang gửi…");
  if (syncState.last_error) return t("Lần gửi trước chưa được; máy sẽ thử lại.");
  return "";
}

// Waiting, refused and sent entries of this user; a word on others' entries left on the phone.
async function draw(body, me, go) {
  const redraw = () => draw(body, me, go);
  const rows = await outbox.entries(me.username);
  const pending = rows.filter((r) => r.state === "pending");
  const rejected = rows.filter((r) => r.state === "rejected");
  const sent = (await outbox.sent(me.username)).slice(0, 30);
  const others = (await outbox.entries()).filter((r) => r.username !== me.username);
  const status = syncStatus();
  refill(body,
    status ? h("p", { class: "banner", id: "sync-status", text: status }) : null,
    h("h2", {}, t("Chờ gửi"), h("span", { class: "count", id: "outbox-pending-count", text: pending.length })),
    pending.length ? h("ul", { class: "entries", id: "pending-list" }, pending.map(pendingItem)) : h("p", { class: "muted", text: t("Không có gì chờ gửi.") }),
    rejected.length
      ? [
          h("h2", {}, t("Bị từ chối"), h("span", { class: "count bad", id: "outbox-rejected-count", text: rejected.length })),
          h("ul", { class: "entries", id: "rejected-list" }, rejected.map((r) => rejectedItem(r, redraw, go))),
        ]
      : null,
    others.length
      ? h("p", { class: "banner warn", text: t("Máy còn %(n)s mục của người dùng khác; họ cần đăng nhập để gửi.", { n: others.length }) })
      : null,
    h("h2", {}, t("Đã gửi"), h("span", { class: "count", id: "outbox-sent-count", text: sent.length })),
    sent.length ? h("ul", { class: "entries", id: "sent-list" }, sent.map(sentItem)) : h("p", { class: "muted", text: t("Chưa gửi lượt nào từ máy này.") }),
  );
}

export async function render(view, { go }) {
  const me = user();
  const body = h("div", { id: "outbox-body" });
  fill(view, h("h1", { text: t("Hộp thư đi") }), body, h("div", { class: "actions" }, sendNowButton(), exportButton(me)));
  const redraw = () => draw(body, me, go);
  await redraw();
  window.addEventListener("online", redraw);
  window.addEventListener("offline", redraw);
  const offs = [on("outbox-changed", redraw), on("sync-state", redraw)];
  return () => {
    offs.forEach((off) => off());
    window.removeEventListener("online", redraw);
    window.removeEventListener("offline", redraw);
  };
}
