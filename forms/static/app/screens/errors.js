// The server's reasons for refusing a submission, as a list a person can read.
import { N_, t } from "../i18n.js";
import { h } from "../ui.js";

const PARTS = {
  residents: N_("Nhân khẩu"),
  new_residents: N_("Người mới"),
  corrections: N_("Thông tin sai"),
  location: N_("Vị trí"),
  household_id: N_("Hộ"),
  outcome: N_("Kết quả"),
  note: N_("Ghi chú"),
  proposed: N_("Đúng là"),
  full_name: N_("Họ và tên"),
  date_of_birth: N_("Ngày sinh"),
  visited_at: N_("Thời gian"),
};

function readablePath(path) {
  if (path === "_schema" || !path) return "";
  return path
    .split(".")
    .map((p) => (/^\d+$/.test(p) ? `#${Number(p) + 1}` : t(PARTS[p] || p)))
    .join(" › ");
}

export function errorList(entry, title) {
  const items = Object.entries(entry.errors || {}).flatMap(([path, texts]) =>
    (Array.isArray(texts) ? texts : [String(texts)]).map((text) => {
      const where = readablePath(path);
      return h("li", { text: where ? `${where}: ${text}` : text });
    }),
  );
  return h(
    "div",
    { class: "banner bad errors" },
    title ? h("strong", { text: title }) : null,
    entry.message ? h("p", { text: entry.message }) : null,
    items.length ? h("ul", {}, items) : null,
  );
}
