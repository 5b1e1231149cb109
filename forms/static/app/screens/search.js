// Household search on the phone's copy, ignoring diacritics ("nguyen van" finds "Nguyễn Văn").
import * as data from "../data.js";
import { t } from "../i18n.js";
import { fill, h, refill } from "../ui.js";
import { debounce } from "../util.js";
import { user } from "../session.js";
import { addButton, householdItem } from "./common.js";

let lastQuery = "";

export async function render(view) {
  const input = h("input", {
    type: "search",
    id: "q",
    name: "q",
    placeholder: t("Tên, địa chỉ hoặc mã hộ"),
    "aria-label": t("Tìm hộ"),
    autocomplete: "off",
    value: lastQuery,
  });
  const results = h("div", { id: "results" });
  const run = debounce(async () => {
    lastQuery = input.value;
    if (!input.value.trim()) {
      refill(results, h("p", { class: "muted", text: t("Gõ tên người hoặc địa chỉ, có dấu hay không dấu đều được.") }));
      return;
    }
    const found = await data.search(input.value, 50, user().username);
    refill(results,
      h("p", { class: "muted small", id: "result-count", text: t("%(n)s hộ", { n: found.total }) }),
      h(
        "div",
        { class: "list" },
        found.rows.map((hh) =>
          householdItem(hh, {
            extra: h("span", { class: "small", text: (hh.residents || []).map((r) => r.full_name).join(", ") }),
          }),
        ),
      ),
    );
  }, 150);
  input.addEventListener("input", run);
  fill(view, h("h1", { text: t("Tìm hộ") }), input, results, h("div", { class: "actions" }, addButton()));
  run.flush();
  input.focus();
}
