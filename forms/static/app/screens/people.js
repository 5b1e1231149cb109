// The fields of a person found in the field (a new household's residents), and the line that
// says what a typed 12-digit ID number means: province of birth, sex, year of birth.
import { homeProvinces, t } from "../i18n.js";
import { label, labels } from "../labels.js";
import { birthYear, idInfo, idProblems } from "../sites.js";
import { field, h, select } from "../ui.js";

// Province of birth, sex, year and the disagreements (or the 12-digit rule), in one line.
export function describeId(p, line) {
  const digits = String(p.id_number || "").replace(/[\s.-]+/g, "");
  const info = idInfo(digits);
  line.className = "small id-info";
  if (!digits) {
    line.textContent = "";
    return info;
  }
  if (!info) {
    line.textContent = t("Số định danh gồm 12 chữ số (đã nhập %(n)s).", { n: digits.length });
    line.classList.add(digits.length > 12 ? "bad" : "muted");
    return null;
  }
  const facts = [
    info.province_name ? t("Sinh tại %(p)s", { p: info.province_name }) : t("Mã tỉnh %(code)s", { code: info.province_code }),
    label("sex", info.sex),
    t("sinh %(y)s (%(from)s–%(to)s)", { y: info.birth_year, from: info.century, to: info.century + 99 }),
  ].join(" · ");
  const problems = idProblems(info, { sex: p.sex, year: birthYear(p.birth) }, t);
  line.textContent = [facts, ...problems].join(" — ");
  line.classList.add(problems.length ? "warn" : "ok");
  line.dataset.province = info.province_code;
  return info;
}

// Fill what the number says into the fields still empty; answers the info (or null).
export function fillFromId(p, inputs) {
  const info = idInfo(p.id_number);
  if (!info) return null;
  if (!p.sex) {
    p.sex = info.sex;
    if (inputs.sex) inputs.sex.value = info.sex;
  }
  if (!String(p.birth || "").trim()) {
    p.birth = String(info.birth_year);
    if (inputs.birth) inputs.birth.value = p.birth;
  }
  if (p.id_card === "not_collected") {
    p.id_card = "issued";
    if (inputs.id_card) inputs.id_card.value = "issued";
  }
  return info;
}

export function roomControl(rooms, value, props) {
  if (rooms && rooms.length) return select("room", { "": "—", ...Object.fromEntries(rooms.map((r) => [r, r])) }, value, props);
  return h("input", { value, maxlength: 32, ...props });
}

export function personFields(p, base, { rooms }) {
  const info = h("p", { class: "small id-info", "aria-live": "polite" });
  const inputs = {};
  inputs.id = h("input", { value: p.id_number, "data-bind": `${base}.id_number`, inputmode: "numeric", maxlength: 15, autocomplete: "off", class: "id-number-input" });
  inputs.birth = h("input", { value: p.birth, "data-bind": `${base}.birth`, maxlength: 10, inputmode: "numeric", placeholder: "09/05/1998" });
  inputs.sex = select("sex", { "": "—", ...labels("sex") }, p.sex, { "data-bind": `${base}.sex` });
  inputs.id_card = select("id_card", labels("id_card"), p.id_card, { "data-bind": `${base}.id_card` });
  inputs.id.addEventListener("input", () => {
    p.id_number = inputs.id.value;
    fillFromId(p, inputs);
    describeId(p, info);
  });
  describeId(p, info);
  const away = p.residence && p.residence !== "permanent";
  return [
    field(t("Họ và tên"), h("input", { value: p.full_name, "data-bind": `${base}.full_name`, maxlength: 200, autocapitalize: "words", class: "person-name" })),
    field(t("Số định danh (CCCD)"), inputs.id),
    info,
    field(t("Ngày sinh"), inputs.birth, t("Ngày/tháng/năm, hoặc chỉ năm sinh")),
    field(t("Giới tính"), inputs.sex),
    field(t("Diện cư trú"), select("residence", labels("residence"), p.residence, { "data-bind": `${base}.residence`, "data-redraw": "people", class: "residence" })),
    away
      ? [
          field(t("Tỉnh thường trú"), select("home_province_code", { "": "—", ...homeProvinces() }, p.home_province_code, { "data-bind": `${base}.home_province_code` })),
          field(t("Địa chỉ thường trú"), h("input", { value: p.home_address, "data-bind": `${base}.home_address`, maxlength: 300 })),
        ]
      : null,
    rooms ? field(t("Phòng"), roomControl(rooms, p.room, { "data-bind": `${base}.room`, class: "room" })) : null,
    field(t("Căn cước"), inputs.id_card),
    field(t("Định danh điện tử (VNeID)"), select("eid", labels("eid"), p.eid, { "data-bind": `${base}.eid` })),
  ];
}
