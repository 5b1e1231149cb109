// DOM helpers. Text always goes in as text (never HTML), so data cannot become markup.
import { t } from "./i18n.js";

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "text") {
      el.textContent = value;
    } else if (key === "value" || key === "checked" || key === "selected") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : value);
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Put children in an element, skipping null/false (native append would write "null").
export function fill(el, ...children) {
  el.append(...children.flat(Infinity).filter((c) => c != null && c !== false));
  return el;
}

// Replace an element's children, with fill()'s rules.
export function refill(el, ...children) {
  el.replaceChildren();
  return fill(el, ...children);
}

let toastTimer = null;

export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = `toast ${kind}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 4000);
}

// An in-page question (no window.confirm: it blocks and looks foreign on phones).
export function ask(message, { yes = t("Đồng ý"), no = t("Hủy"), danger = false } = {}) {
  const modal = document.getElementById("modal");
  return new Promise((resolve) => {
    const close = (answer) => {
      modal.hidden = true;
      modal.replaceChildren();
      resolve(answer);
    };
    modal.replaceChildren(
      h(
        "div",
        { class: "dialog", role: "alertdialog", "aria-modal": "true" },
        h("p", { text: message }),
        h(
          "div",
          { class: "row" },
          h("button", { type: "button", class: "btn", onclick: () => close(false), text: no }),
          h("button", {
            type: "button",
            class: danger ? "btn danger" : "btn primary",
            id: "modal-yes",
            onclick: () => close(true),
            text: yes,
          }),
        ),
      ),
    );
    modal.hidden = false;
    modal.querySelector("#modal-yes").focus();
  });
}

// <label> + <select> from a {value: label} map.
export function select(name, options, value, props = {}) {
  return h(
    "select",
    { name, ...props },
    Object.entries(options).map(([v, text]) =>
      h("option", { value: v, selected: v === (value ?? ""), text: t(text) }),
    ),
  );
}

export function field(labelText, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id, text: labelText }),
    control,
    hint ? h("small", { class: "muted", text: hint }) : null,
  );
}

export function formatWhen(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getDate())}/${p(d.getMonth() + 1)} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function formatDate(iso) {
  if (!iso) return "";
  const [y, m, d] = String(iso).slice(0, 10).split("-");
  return d ? `${d}/${m}/${y}` : String(iso);
}
