// Pieces shared by screens: a household row, the data freshness line.
import { getSetting } from "../db.js";
import { formatDistance } from "../gps.js";
import { t } from "../i18n.js";
import { headOf } from "../data.js";
import { formatWhen, h } from "../ui.js";

export function householdItem(hh, { extra = null, distance = null } = {}) {
  const head = headOf(hh);
  return h(
    "a",
    { class: "item", href: `#visit/${hh.id}`, "data-household": hh.id },
    h(
      "span",
      { class: "item-main" },
      h("strong", { text: head?.full_name || hh.code || t("Hộ không tên") }),
      h("span", { class: "muted", text: hh.address || "" }),
      extra,
    ),
    distance != null ? h("span", { class: "dist", text: formatDistance(distance) }) : null,
  );
}

export async function freshness() {
  const last = await getSetting("last_pull");
  return h("p", {
    class: "muted small",
    id: "freshness",
    text: last
      ? t("Dữ liệu cập nhật lúc %(when)s", { when: formatWhen(new Date(last).toISOString()) })
      : t("Chưa tải dữ liệu của thôn về máy."),
  });
}
