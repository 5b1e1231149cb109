// Pieces shared by screens: a household row, the data freshness line.
import { getSetting } from "../db.js";
import { formatDistance } from "../gps.js";
import { t } from "../i18n.js";
import { label } from "../labels.js";
import { headOf } from "../data.js";
import { formatWhen, h } from "../ui.js";

// The kind of a site, and whether the server has it yet (new, not sent; refused).
function siteTag(hh) {
  const parts = [];
  if (hh.kind && hh.kind !== "family") parts.push(label("household_kind", hh.kind));
  if (hh._pending === "rejected") parts.push(t("bị từ chối"));
  else if (hh._pending) parts.push(t("mới, chưa gửi"));
  if (!parts.length) return null;
  return h("span", { class: hh._pending ? "tag warn new-tag" : "tag", text: parts.join(" · ") });
}

export function householdItem(hh, { extra = null, distance = null } = {}) {
  const head = headOf(hh);
  return h(
    "a",
    { class: "item", href: `#visit/${hh.id}`, "data-household": hh.id, "data-pending": hh._pending || null },
    h(
      "span",
      { class: "item-main" },
      h("strong", { text: hh.site_name || head?.full_name || hh.code || t("Hộ không tên") }),
      h("span", { class: "muted", text: hh.address || "" }),
      siteTag(hh),
      extra,
    ),
    distance != null ? h("span", { class: "dist", text: formatDistance(distance) }) : null,
  );
}

export function addButton() {
  return h("a", { class: "btn", id: "add-household", href: "#household", text: t("+ Thêm hộ / cơ sở") });
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
