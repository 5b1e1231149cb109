// Login: username and password for a bearer token. After an expired session the username is
// kept and the outbox is untouched; it goes out after the new login.
import { ApiError, OfflineError } from "../api.js";
import { getLang, setLang, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { FIELD_ROLES, fromPageSession, login, logout, session } from "../session.js";
import { field, fill, h } from "../ui.js";
import { emit } from "../util.js";

export function langSwitch() {
  const next = getLang() === "vi" ? "en" : "vi";
  return h("button", {
    type: "button",
    class: "btn small lang",
    id: "lang-switch",
    lang: next,
    onclick: async () => {
      await setLang(next);
      emit("lang", next);
    },
    text: next === "en" ? "English" : "Tiếng Việt",
  });
}

function loginInputs(previous) {
  return {
    error: h("p", { class: "error", role: "alert", id: "login-error", hidden: true }),
    username: h("input", {
      name: "username",
      id: "username",
      autocomplete: "username",
      autocapitalize: "none",
      spellcheck: "false",
      required: true,
      maxlength: 64,
      value: previous?.user?.username || "",
    }),
    password: h("input", {
      name: "password",
      id: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
      maxlength: 256,
    }),
    button: h("button", { type: "submit", class: "btn primary", text: t("Đăng nhập") }),
  };
}

async function submit(form, event, { go, home }) {
  event.preventDefault();
  const { error, button } = form;
  const showError = (text) => {
    error.textContent = text;
    error.hidden = false;
  };
  error.hidden = true;
  button.disabled = true;
  try {
    const s = await login(form.username.value.trim(), form.password.value);
    if (!FIELD_ROLES.includes(s.user.role)) {
      await logout({ web: false });
      showError(t("Ứng dụng này dành cho cán bộ và trưởng thôn. Chỉ huy và quản trị dùng trang quản lý."));
      return;
    }
    go(home());
  } catch (err) {
    if (err instanceof OfflineError) showError(t("Không có mạng. Cần có mạng để đăng nhập."));
    else if (err instanceof ApiError && err.status === 401)
      showError(t("Sai tên đăng nhập hoặc mật khẩu."));
    else showError(err.body?.message || err.message);
  } finally {
    button.disabled = false;
  }
}

// Why to log in again: a session expired, entries waiting to be sent.
function loginBanners(previous, waiting) {
  return [
    previous?.expired
      ? h("p", {
          class: "banner warn",
          id: "expired",
          text: t("Phiên đăng nhập đã hết hạn. Đăng nhập lại để gửi các lượt thăm đang chờ; không mất dữ liệu nào."),
        })
      : null,
    waiting.total
      ? h("p", {
          class: "banner",
          text: t("Trên máy có %(n)s mục chưa gửi; chúng được giữ nguyên.", { n: waiting.total }),
        })
      : null,
  ];
}

export async function render(view, { go, home }) {
  // Signed in on the web pages already: no second login form.
  if (await fromPageSession()) {
    go(home());
    return;
  }
  const previous = session();
  const waiting = await outbox.counts();
  const form = loginInputs(previous);
  fill(view,
    h(
      "section",
      { class: "card" },
      h("div", { class: "row between" }, h("h1", { text: t("Đăng nhập") }), langSwitch()),
      ...loginBanners(previous, waiting),
      h(
        "form",
        { onsubmit: (event) => submit(form, event, { go, home }), autocomplete: "on" },
        field(t("Tên đăng nhập"), form.username),
        field(t("Mật khẩu"), form.password),
        form.error,
        form.button,
      ),
    ),
  );
  (form.username.value ? form.password : form.username).focus();
}
