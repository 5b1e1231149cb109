// The text of the ID card's QR code, read on the phone so the fields show offline. The same
// rules as app/people/cardqr.py (the server stays the judge): pipe-separated
// number | old number | full name | ddmmyyyy | Nam/Nữ | permanent address | ddmmyyyy issue date,
// with an empty or missing old-number slot, extra trailing fields and a byte-order mark,
// spaces or line breaks around it tolerated.
import { t } from "./i18n.js";
import { fold } from "./text.js";

const MAX_CHARS = 1000;
const DATE = /^(\d{2})[/.-]?(\d{2})[/.-]?(\d{4})$/;
// Control characters other than tab, line feed and carriage return, and the replacement mark.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/;
const SEX = { nam: "male", nu: "female", male: "male", female: "female" };

export class CardQrError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

const fail = (field, message) => {
  throw new CardQrError(field, message);
};

// A name composed (NFC), with single spaces and each part capitalised, as normalize_name().
export function normalizeName(value) {
  const cap = (part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase();
  return String(value)
    .normalize("NFC")
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word.split(/([-\u0027\u2019\u02bc])/).map(cap).join(""))
    .join(" ")
    .normalize("NFC");
}

function textOf(raw) {
  if (typeof raw !== "string") fail("qr", t("Mã QR không đọc được: dữ liệu không phải văn bản."));
  const text = raw.replace(/^[\ufeff\u200b\s]+|[\ufeff\u200b\s]+$/g, "").normalize("NFC");
  if (!text) fail("qr", t("Mã QR trống."));
  if (text.length > MAX_CHARS) fail("qr", t("Mã QR quá dài để là mã trên thẻ căn cước."));
  if (CONTROL.test(text)) fail("qr", t("Mã QR không đọc được: có ký tự lạ, không phải văn bản."));
  if (!text.includes("|")) {
    fail("qr", t("Không thấy dấu | ngăn cách các trường: đây không phải mã QR trên thẻ căn cước."));
  }
  return text;
}

function isoDate(value, field, labelText) {
  const m = DATE.exec(value);
  if (!m) fail(field, t("%(label)s phải có dạng ngàythángnăm (ddmmyyyy).", { label: labelText }));
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    fail(field, t("%(label)s không phải ngày có thật: %(v)s.", { label: labelText, v: value }));
  }
  return `${m[3]}-${m[2]}-${m[1]}`;
}

function take(parts, i, field, labelText) {
  if (i >= parts.length || !parts[i]) fail(field, t("Mã QR thiếu trường %(label)s.", { label: labelText }));
  return parts[i];
}

function oldNumber(parts) {
  if (parts.length < 2) return [null, 1];
  const slot = parts[1].replace(/[\s.-]+/g, "");
  if (slot === "") return [null, 2];
  if (/^\d+$/.test(slot)) {
    if (slot.length !== 9 && slot.length !== 12) {
      fail("old_id_number", t("Số CMND cũ phải gồm 9 hoặc 12 chữ số (đọc được %(n)s).", { n: slot.length }));
    }
    return [slot, 2];
  }
  return [null, 1];
}

// The card's fields as the API names them, or a CardQrError naming what is wrong.
export function parseCardQr(raw) {
  const parts = textOf(raw).split("|").map((p) => p.split(/\s+/).filter(Boolean).join(" "));
  while (parts.length && !parts[parts.length - 1]) parts.pop();
  const number = take(parts, 0, "id_number", t("số định danh")).replace(/[\s.-]+/g, "");
  if (!/^\d{12}$/.test(number)) {
    const n = (number.match(/\d/g) || []).length;
    fail("id_number", t("Số định danh trên thẻ phải gồm đúng 12 chữ số (đọc được %(n)s chữ số).", { n }));
  }
  const [old, at] = oldNumber(parts);
  const name = take(parts, at, "full_name", t("họ và tên"));
  if (!/\p{L}/u.test(name)) fail("full_name", t("Họ và tên trên mã QR không phải chữ: %(v)s.", { v: name }));
  const born = isoDate(take(parts, at + 1, "date_of_birth", t("ngày sinh")), "date_of_birth", t("Ngày sinh"));
  const sexText = take(parts, at + 2, "sex", t("giới tính"));
  const sex = SEX[fold(sexText)];
  if (!sex) fail("sex", t("Giới tính trên mã QR phải là Nam hoặc Nữ: %(v)s.", { v: sexText }));
  const address = take(parts, at + 3, "address", t("nơi thường trú"));
  if (DATE.test(address)) take([], 0, "address", t("nơi thường trú"));
  const issuedText = parts.slice(at + 4).find((p) => DATE.test(p));
  const issued = issuedText ? isoDate(issuedText, "card_issued_on", t("Ngày cấp")) : null;
  if (issued && issued < born) fail("card_issued_on", t("Ngày cấp trên mã QR trước ngày sinh."));
  return {
    id_number: number,
    old_id_number: old,
    full_name: normalizeName(name),
    date_of_birth: born,
    sex,
    address,
    card_issued_on: issued,
  };
}

// Where the card and the record (as the phone holds it, ID number masked) disagree, for
// display; the server makes the same comparison with the full record and decides.
export function differences(record, card) {
  const out = [];
  if (normalizeName(record.full_name || "") !== card.full_name) out.push("full_name");
  const dob = record.date_of_birth || "";
  if (dob && (dob.length === 4 ? dob !== card.date_of_birth.slice(0, 4) : dob !== card.date_of_birth)) {
    out.push("date_of_birth");
  }
  if (record.sex && record.sex !== card.sex) out.push("sex");
  const last4 = String(record.id_number || "").slice(-4);
  if (record.id_number && last4 !== card.id_number.slice(-4)) out.push("id_number");
  if (record.card_issued_on && card.card_issued_on && record.card_issued_on !== card.card_issued_on) {
    out.push("card_issued_on");
  }
  return out;
}
