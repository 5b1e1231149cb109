// More: who I am, language, refresh, save the outbox to a file, log out (never deleting
// unsent work).
import { getSetting } from "../db.js";
import { t } from "../i18n.js";
import { label } from "../labels.js";
import * as outbox from "../outbox.js";
import { logout, user } from "../session.js";
import { syncNow } from "../sync.js";
import { ask, fill, h, toast } from "../ui.js";
import { freshness } from "./common.js";
import { langSwitch } from "./login.js";

export async function render(view, { go }) {
  const me = user();
  const persisted = await getSetting("persisted");
  const hamlets = (me.hamlets || []).map((u) => u.name).join(", ") || me.unit?.name || "";

  async function signOut() {
    const left = await outbox.counts(me.username);
    if (left.total) {
      const ok = await ask(
        t("Còn %(n)s mục chưa gửi. Chúng vẫn được giữ trên máy và sẽ gửi khi bạn đăng nhập lại. Vẫn đăng xuất?", { n: left.total }),
        { yes: t("Đăng xuất"), danger: true },
      );
      if (!ok) return;
    }
    await logout();
    go("login");
  }

  fill(view,
    h("h1", { text: me.full_name || me.username }),
    h("p", { class: "muted", text: `${label("role", me.role)} · ${me.username}` }),
    hamlets ? h("p", { text: `${t("Địa bàn")}: ${hamlets}` }) : null,
    await freshness(),
    h(
      "div",
      { class: "actions" },
      me.role === "officer"
        ? h("a", { class: "btn", id: "open-sessions", href: "#sessions", text: t("Buổi thu nhận") })
        : null,
      h("button", {
        type: "button",
        class: "btn",
        id: "refresh-data",
        text: t("Tải lại dữ liệu thôn"),
        onclick: async (event) => {
          event.target.disabled = true;
          await syncNow({ pull: true });
          event.target.disabled = false;
          toast(t("Đã làm mới."));
        },
      }),
      h("button", {
        type: "button",
        class: "btn",
        id: "export-more",
        text: t("Lưu hộp thư đi ra tệp"),
        onclick: () => outbox.exportFile(me.username),
      }),
      langSwitch(),
      h("button", { type: "button", class: "btn danger", id: "logout", text: t("Đăng xuất"), onclick: signOut }),
    ),
    h("p", {
      class: "muted small",
      text: persisted ? t("Trình duyệt đã cho phép lưu lâu dài trên máy.") : t("Trình duyệt chưa cho phép lưu lâu dài; đừng xóa dữ liệu trình duyệt khi còn mục chưa gửi."),
    }),
  );
}
