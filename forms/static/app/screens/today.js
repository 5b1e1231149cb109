// Today: the households my hamlets' visit plan gives a slot today (in the plan's order, with
// their time windows), follow-ups due (urgent, overdue, the rest) and households not yet
// visited in my hamlets, the last two a short walking route from where I stand (data.today).
import * as data from "../data.js";
import { here } from "../gps.js";
import { t } from "../i18n.js";
import { label } from "../labels.js";
import { user } from "../session.js";
import { syncNow } from "../sync.js";
import { fill, formatDate, h, refill } from "../ui.js";
import { on } from "../util.js";
import { addButton, freshness, householdItem } from "./common.js";

const PAGE = 30;

function dueTag(f) {
  return h(
    "span",
    { class: f.overdue || f.priority === 0 ? "tag warn" : "tag" },
    f.priority === 0 ? `${t("Gấp")} · ` : "",
    f.overdue ? `${t("Quá hạn")} · ` : "",
    label("followup_kind", f.kind),
    f.resident_name ? ` · ${f.resident_name}` : "",
    f.due_date ? ` · ${formatDate(f.due_date)}` : "",
    f.reason ? ` · ${f.reason}` : "",
  );
}

function dueItem(f) {
  const tag = dueTag(f);
  if (f._household) return householdItem(f._household, { distance: f._distance, extra: tag });
  // A household not on this phone (outside my hamlets): say where, without a form.
  return h(
    "div",
    { class: "item" },
    h("span", { class: "item-main" }, h("strong", { text: f.household_address || f.household_code || t("Hộ không tên") }), tag),
  );
}

// A household of today's plan: its window, and whether it is done.
function scheduledItem(hh) {
  const slot = hh.scheduled_visit;
  const tag = h(
    "span",
    { class: hh._done ? "tag ok slot" : "tag slot" },
    `${slot.from}–${slot.to}`,
    hh._done ? ` · ${t("Đã thăm")}` : "",
  );
  return householdItem(hh, { extra: tag });
}

// Today's plan, then follow-ups due, then the first `screen.shown` households not yet visited.
async function draw(screen) {
  const { body, shown } = screen;
  const work = await data.today(user().username, screen.position);
  const fresh = await freshness();
  const due = work.due.map(dueItem);
  const open = work.open.slice(0, shown).map((hh) => householdItem(hh, { distance: hh._distance }));
  const showMore = () => {
    screen.shown += PAGE;
    draw(screen);
  };
  const more =
    work.open.length > shown
      ? h("button", { type: "button", class: "btn", text: t("Xem thêm (%(n)s)", { n: work.open.length - shown }), onclick: showMore })
      : null;
  const added = work.added.map((hh) => householdItem(hh));
  const scheduled = work.scheduled.map(scheduledItem);
  const left = work.scheduled.filter((hh) => !hh._done).length;
  refill(body,
    fresh,
    addButton(),
    added.length
      ? [
          h("h2", {}, t("Mới thêm trên máy này"), h("span", { class: "count", id: "added-count", text: added.length })),
          h("div", { class: "list", id: "added-list" }, added),
        ]
      : null,
    scheduled.length
      ? [
          h("h2", {}, t("Lịch thăm hôm nay"), h("span", { class: "count", id: "scheduled-count", text: `${left}/${scheduled.length}` })),
          h("div", { class: "list", id: "scheduled-list" }, scheduled),
        ]
      : null,
    h("h2", {}, t("Việc đến hạn"), h("span", { class: "count", id: "due-count", text: work.due.length })),
    due.length ? h("div", { class: "list", id: "due-list" }, due) : h("p", { class: "muted", text: t("Không có việc đến hạn.") }),
    h("h2", {}, t("Hộ chưa thăm"), h("span", { class: "count", id: "open-count", text: work.open.length })),
    open.length
      ? h("div", { class: "list", id: "open-list" }, open)
      : h("p", {
          class: "muted",
          text: work.total ? t("Đã thăm hết các hộ trong danh sách.") : t("Chưa có hộ nào trên máy. Bấm “Làm mới” khi có mạng."),
        }),
    more,
  );
}

function refreshButton() {
  const refresh = h("button", {
    type: "button",
    class: "btn small",
    id: "refresh",
    text: t("Làm mới"),
    onclick: async () => {
      refresh.disabled = true;
      await syncNow({ pull: true });
      refresh.disabled = false;
    },
  });
  return refresh;
}

export async function render(view) {
  const screen = { position: null, shown: PAGE, body: h("div", { id: "today-body" }) };
  const where = h("p", { class: "muted small", id: "where", text: t("Đang tìm vị trí của bạn…") });
  const head = h("div", {}, h("div", { class: "row between" }, h("h1", { text: t("Hôm nay") }), refreshButton()), where);
  fill(view, head, screen.body);
  const redraw = () => draw(screen);
  await redraw();
  here().then((pos) => {
    screen.position = pos;
    where.textContent = pos
      ? t("Việc gấp, quá hạn trước; mỗi nhóm theo đường đi ngắn từ chỗ bạn đứng (±%(m)s m), khoảng cách tính từ điểm trước.", { m: Math.round(pos.accuracy_m) })
      : t("Chưa có vị trí: việc gấp, quá hạn trước, rồi theo thôn và địa chỉ.");
    if (pos) redraw();
  });
  const offs = [on("data-changed", redraw), on("outbox-changed", redraw)];
  return () => offs.forEach((off) => off());
}
