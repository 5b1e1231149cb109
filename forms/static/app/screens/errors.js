// The server's reasons for refusing a submission, as a list a person can read.
import { t } from "../i18n.js";
import { h } from "../ui.js";

const PARTS = {
  residents: "Nhân khẩu",
  new_residents: "Người mới",
  corrections: "Thông tin sai",
  location: "Vị trí",
  household_id: "Hộ",
  outcome: "Kết quả",
  note: "Ghi chú",
  proposed: "Đúng là",
  full_name: "Họ và tên",
  date_of_birth: "Ngày sinh",
  visited_at: "Thời gian",
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
