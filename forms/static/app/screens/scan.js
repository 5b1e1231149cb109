// "Quét mã QR": read a resident's ID card by its QR code (camera, or the text typed or pasted),
// show the card's fields beside the record's with the differences marked, and send the reading
// through the outbox (kind "card_scan", POST /api/v1/residents/<id>/card-scan): the server
// compares again, opens the corrections and fills what the record lacks. Works offline: the
// reading waits in the outbox. #scan/<household id>/<resident id>.
import { CardQrError, differences, parseCardQr } from "../cardqr.js";
import * as data from "../data.js";
import { t } from "../i18n.js";
import { label } from "../labels.js";
import * as outbox from "../outbox.js";
import { decodeImage, decoderName, hasCamera, scanVideo, startCamera, stopCamera } from "../scan.js";
import { user } from "../session.js";
import { fill, formatDate, h, refill, toast } from "../ui.js";
import { newId } from "../util.js";

const ROWS = [
  ["id_number", () => t("Số định danh")],
  ["old_id_number", () => t("Số CMND cũ")],
  ["full_name", () => t("Họ và tên")],
  ["date_of_birth", () => t("Ngày sinh")],
  ["sex", () => t("Giới tính")],
  ["address", () => t("Nơi thường trú")],
  ["card_issued_on", () => t("Ngày cấp")],
];

function shown(name, value) {
  if (value == null || value === "") return "—";
  if (name === "sex") return label("sex", value);
  if (name === "date_of_birth" || name === "card_issued_on") return value.length === 4 ? value : formatDate(value);
  return String(value);
}

// The card beside the record, one row per field; differing rows marked.
function comparison(record, card) {
  const differing = new Set(differences(record, card));
  return h(
    "table",
    { class: "compare", id: "scan-compare" },
    h("thead", {}, h("tr", {}, h("th", { text: "" }), h("th", { text: t("Trên hồ sơ") }), h("th", { text: t("Trên thẻ") }))),
    h(
      "tbody",
      {},
      ROWS.map(([name, text]) =>
        h(
          "tr",
          { class: differing.has(name) ? "diff" : null, "data-field": name },
          h("th", { text: text() }),
          h("td", { class: "on-file", text: shown(name, record[name]) }),
          h("td", { class: "on-card", text: shown(name, card[name]) }),
        ),
      ),
    ),
  );
}

function showResult(v, text) {
  v.qr = null;
  try {
    const card = parseCardQr(text);
    v.qr = text;
    const count = differences(v.resident, card).length;
    refill(
      v.result,
      h("p", { class: count ? "banner warn" : "banner", id: "scan-summary", text: count ? t("Thẻ khác hồ sơ ở %(n)s thông tin; gửi để mở đính chính.", { n: count }) : t("Thẻ khớp với hồ sơ.") }),
      comparison(v.resident, card),
      h("button", { type: "button", class: "btn primary", id: "scan-send", text: t("Gửi kết quả quét"), onclick: () => send(v) }),
    );
  } catch (err) {
    if (!(err instanceof CardQrError)) throw err;
    refill(v.result, h("p", { class: "banner bad", id: "scan-error", role: "alert", text: err.message }));
  }
}

async function send(v) {
  if (!v.qr) return;
  const body = { client_id: newId(), resident_id: v.resident.id, qr: v.qr };
  await outbox.enqueue("card_scan", body, { username: user().username, label: v.resident.full_name });
  toast(t("Đã đưa kết quả quét vào hộp thư đi."), "ok");
  v.go(`visit/${v.hh.id}`);
}

async function openCamera(v) {
  if (!hasCamera()) {
    v.status.textContent = t("Máy này không mở được máy ảnh; hãy gõ hoặc dán nội dung mã.");
    return;
  }
  try {
    v.stream = await startCamera(v.video);
  } catch {
    v.status.textContent = t("Không mở được máy ảnh; hãy gõ hoặc dán nội dung mã.");
    return;
  }
  v.video.hidden = false;
  v.status.textContent = t("Đưa mã QR trên thẻ vào khung hình (%(d)s).", { d: decoderName() });
  v.stopScan = scanVideo(v.video, (text) => {
    close(v);
    v.typed.value = text;
    showResult(v, text);
  });
}

// A photo of the card (taken with the phone's camera app, or chosen from the gallery).
async function readPhoto(v, input) {
  const file = input.files?.[0];
  if (!file) return;
  let text = null;
  try {
    const bitmap = await createImageBitmap(file);
    text = await decodeImage(bitmap);
    bitmap.close?.();
  } catch {
    text = null;
  }
  input.value = "";
  if (!text) {
    refill(v.result, h("p", { class: "banner bad", id: "scan-error", role: "alert", text: t("Không tìm thấy mã QR trong ảnh.") }));
    return;
  }
  close(v);
  v.typed.value = text;
  showResult(v, text);
}

function close(v) {
  v.stopScan?.();
  stopCamera(v.stream);
  v.stream = null;
  v.video.hidden = true;
}

export async function render(view, { params, go }) {
  const hh = await data.household(Number(params[0]));
  const resident = (hh?.residents || []).find((r) => String(r.id) === String(params[1]));
  if (!hh || !resident) {
    fill(view, h("p", { class: "banner bad", text: t("Không có người này trên máy.") }));
    return;
  }
  const v = { hh, resident, go, qr: null, stream: null, stopScan: null };
  v.video = h("video", { id: "scan-video", class: "scan-video", muted: true, playsinline: true, hidden: true });
  v.status = h("p", { class: "muted small", id: "scan-status" });
  v.result = h("div", { id: "scan-result" });
  v.typed = h("textarea", { id: "scan-text", rows: 3, placeholder: t("số định danh|số CMND cũ|họ và tên|ngàythángnăm sinh|Nam/Nữ|nơi thường trú|ngày cấp") });
  fill(
    view,
    h("h1", { text: t("Quét mã QR") }),
    h("p", { class: "muted", text: resident.full_name }),
    h("button", { type: "button", class: "btn", id: "scan-camera", text: t("Mở máy ảnh"), onclick: () => openCamera(v) }),
    v.status,
    v.video,
    h("label", { for: "scan-file", text: t("Hoặc chụp/chọn ảnh mã QR") }),
    h("input", { type: "file", id: "scan-file", accept: "image/*", capture: "environment", onchange: (e) => readPhoto(v, e.target) }),
    h("label", { for: "scan-text", text: t("Hoặc gõ/dán nội dung mã QR") }),
    v.typed,
    h("button", { type: "button", class: "btn", id: "scan-read", text: t("Đọc nội dung"), onclick: () => showResult(v, v.typed.value) }),
    v.result,
    h("a", { class: "btn", href: `#visit/${hh.id}`, text: t("Quay lại lượt thăm") }),
  );
  openCamera(v);
  return () => close(v);
}
