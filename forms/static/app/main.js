// The app frame: language, session, routes (#today, #search, #visit/<id>, #fix/<client_id>,
// #household[/<client_id>], #capture/<id>, #outbox, #returnee, #sessions[/<id>], #more, #login), the status bar and tabs, the service worker.
import { isOnline } from "./api.js";
import { openDb, setSetting } from "./db.js";
import { initI18n, N_, t } from "./i18n.js";
import * as outbox from "./outbox.js";
import * as captureScreen from "./screens/capture.js";
import * as householdScreen from "./screens/household.js";
import * as loginScreen from "./screens/login.js";
import * as moreScreen from "./screens/more.js";
import * as outboxScreen from "./screens/outbox.js";
import * as returneeScreen from "./screens/returnee.js";
import * as scanScreen from "./screens/scan.js";
import * as searchScreen from "./screens/search.js";
import * as sessionsScreen from "./screens/sessions.js";
import * as todayScreen from "./screens/today.js";
import * as visitScreen from "./screens/visit.js";
import { fromPageSession, isExpired, loadSession, session, user } from "./session.js";
import { startSync } from "./sync.js";
import { h } from "./ui.js";
import { on } from "./util.js";

const SCREENS = {
  login: loginScreen,
  today: todayScreen,
  search: searchScreen,
  visit: visitScreen,
  fix: visitScreen,
  household: householdScreen,
  capture: captureScreen,
  outbox: outboxScreen,
  returnee: returneeScreen,
  scan: scanScreen,
  sessions: sessionsScreen,
  more: moreScreen,
};

const TABS = {
  officer: [
    ["today", N_("Hôm nay")],
    ["search", N_("Tìm hộ")],
    ["outbox", N_("Hộp thư đi")],
    ["more", N_("Thêm")],
  ],
  village_head: [
    ["returnee", N_("Báo người về")],
    ["outbox", N_("Hộp thư đi")],
    ["more", N_("Thêm")],
  ],
};

const ALLOWED = {
  officer: ["today", "search", "visit", "fix", "household", "capture", "scan", "outbox", "sessions", "more"],
  village_head: ["returnee", "outbox", "more", "fix"],
};

let cleanup = null;
let currentName = null;

export function home() {
  return user()?.role === "village_head" ? "returnee" : "today";
}

export function go(hash) {
  if (location.hash === `#${hash}`) route();
  else location.hash = hash;
}

function parse() {
  const [name, ...params] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: name || "", params: params.map(decodeURIComponent) };
}

async function route() {
  let { name, params } = parse();
  const s = session();
  if (!s || isExpired()) {
    name = "login";
  } else if (!ALLOWED[user().role]?.includes(name)) {
    name = home();
    history.replaceState(null, "", `#${name}`);
  }
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  currentName = name;
  const view = document.getElementById("view");
  view.replaceChildren();
  view.scrollTop = 0;
  window.scrollTo(0, 0);
  renderTabs();
  cleanup = await SCREENS[name].render(view, { params, mode: name, go, home });
}

async function renderTabs() {
  const nav = document.getElementById("tabs");
  const tabs = session() && !isExpired() ? TABS[user().role] : null;
  if (!tabs) {
    nav.hidden = true;
    document.body.classList.remove("with-tabs");
    return;
  }
  const counts = await outbox.counts(user().username);
  nav.replaceChildren(
    ...tabs.map(([name, text]) =>
      h(
        "a",
        {
          href: `#${name}`,
          id: `tab-${name}`,
          class: name === currentName ? "tab active" : "tab",
          "aria-current": name === currentName ? "page" : null,
        },
        h("span", { text: t(text) }),
        name === "outbox" && counts.total
          ? h("span", { class: counts.rejected ? "badge bad" : "badge", text: counts.total })
          : null,
      ),
    ),
  );
  nav.hidden = false;
  document.body.classList.add("with-tabs");
}

function renderNet() {
  const net = document.getElementById("net");
  const online = isOnline();
  net.textContent = online ? t("Có mạng") : t("Mất mạng");
  net.className = online ? "net on" : "net off";
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  let hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (hadController) showUpdate();
    hadController = true;
  });
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => {
    /* no worker (plain http on a LAN address): the app still works while the page is open */
  });
  // The worker is installed with the whole shell cached: the app now opens without signal.
  navigator.serviceWorker.ready.then(() => {
    document.body.dataset.offlineReady = "1";
  });
}

function showUpdate() {
  if (document.getElementById("update")) return;
  document.body.append(
    h(
      "div",
      { id: "update", class: "banner" },
      h("span", { text: t("Có phiên bản mới của ứng dụng.") }),
      h("button", {
        type: "button",
        class: "btn small",
        onclick: () => location.reload(),
        text: t("Tải lại"),
      }),
    ),
  );
}

async function askPersistence() {
  try {
    if (navigator.storage?.persist) {
      const granted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
      await setSetting("persisted", granted);
    }
  } catch {
    /* not supported: IndexedDB still keeps the data, the browser may evict it when full */
  }
}

async function boot() {
  await initI18n();
  await openDb();
  await loadSession();
  registerWorker();
  renderNet();
  window.addEventListener("online", renderNet);
  window.addEventListener("offline", renderNet);
  window.addEventListener("hashchange", route);
  on("outbox-changed", renderTabs);
  const working = () => session() && !isExpired() && ALLOWED[user().role];
  on("session", () => {
    if (working()) {
      askPersistence();
      startSync();
    }
    if (!session() || isExpired()) route();
  });
  on("lang", () => {
    renderNet();
    route();
  });
  if (working()) {
    askPersistence();
    startSync();
    // Signed in on the web pages as someone else since: that user's token (the login
    // screen does the same when the app has no working token).
    fromPageSession().then((s) => s && go(home()));
  }
  await route();
  document.body.dataset.ready = "1";
}

boot().catch((err) => {
  document.getElementById("view").replaceChildren(
    h("p", { class: "banner bad", text: `${t("Không mở được ứng dụng")}: ${err.message}` }),
  );
});
