"""Helpers for the phone app's browser tests: log in, record a visit, read the server's rows."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.visits.models import Visit

PASSWORD = "secret-pass"


def open_app(page) -> None:
    """Open /app and wait until the app has booted."""
    page.goto("/app")
    page.wait_for_selector("body[data-ready='1']")


def log_in(page, username: str) -> None:
    """Log in through the app's own login screen and wait for the first sync to finish."""
    open_app(page)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#tabs:not([hidden])")
    wait_for_worker(page)


def wait_for_worker(page) -> None:
    """Wait until the service worker is installed with the shell cached (offline-ready)."""
    page.wait_for_selector("body[data-offline-ready]", state="attached", timeout=15_000)


def wait_for_data(page) -> None:
    """Wait until my hamlets' data has been downloaded in this page."""
    page.wait_for_selector("body[data-pulled]", state="attached", timeout=15_000)


def record_visit(page, household_id: int, outcome: str = "met") -> None:
    """Open a household's form, choose an outcome and save."""
    page.goto(f"/app#visit/{household_id}")
    page.wait_for_selector("#visit-form")
    page.check(f"input[name=outcome][value={outcome}]")
    page.click("#save-visit")
    page.wait_for_selector("#visit-form", state="detached")


def new_household(page, address: str, head: str, id_number: str = "", *, kind: str = "") -> None:
    """Fill the phone's new-household form (a site when `kind` is given) with its first
    person and save it."""
    page.goto("/app#household")
    page.wait_for_selector("#household-form")
    if kind:
        page.select_option("#kind", kind)
        page.fill("#site-name", "Nhà trọ Bình An")
    page.fill("#address", address)
    box = page.locator("fieldset[data-person='0']")
    box.locator("input.person-name").fill(head)
    box.locator("input.id-number-input").fill(id_number)
    page.fill("#address", address)  # the number's hints may move the focus: the address stays
    page.click("#save-household")


def wait_sent(page, n: int, timeout: int = 20_000) -> None:
    """Stay on the outbox screen until it lists n visits as sent."""
    page.wait_for_function(
        """(n) => {
            if (location.hash !== '#outbox') location.hash = 'outbox';
            return document.querySelector('#outbox-sent-count')?.textContent === String(n);
        }""",
        arg=n,
        timeout=timeout,
        polling=200,
    )


def outbox_count(page) -> int:
    """Read the number of pending entries from the outbox screen."""
    page.goto("/app#outbox")
    return int(page.inner_text("#outbox-pending-count"))


STORE_ROWS = """async (name) => {
    const db = await new Promise((ok) => { const r = indexedDB.open('gocua');
                                           r.onsuccess = () => ok(r.result); });
    return await new Promise((ok) => {
        const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => { db.close(); ok(r.result); };
    });
}"""


def phone_rows(page, store: str) -> list[dict]:
    """Every row of one store of the phone's IndexedDB (outbox, sent, drafts, ...)."""
    return page.evaluate(STORE_ROWS, store)


def server_visits() -> list[Visit]:
    """The visits the server holds, read in a fresh transaction."""
    db.session.rollback()
    return list(db.session.scalars(select(Visit).order_by(Visit.id)))


def server_visit_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Visit.id)))


def overflowing(page) -> list[str]:
    """Elements wider than the viewport, or the page itself scrolling sideways."""
    return page.evaluate(
        """() => {
            const width = window.innerWidth;
            const out = [];
            if (document.documentElement.scrollWidth > width) {
                out.push('document ' + document.documentElement.scrollWidth + ' > ' + width);
            }
            for (const el of document.querySelectorAll('body *')) {
                const box = el.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) continue;
                if (box.right > width + 0.5 || box.left < -0.5) {
                    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                             '.' + el.className + ' ' + Math.round(box.left) + '..' +
                             Math.round(box.right));
                }
            }
            return out;
        }"""
    )


def small_targets(page) -> list[str]:
    """Visible buttons, links and inputs smaller than 44 px in height."""
    return page.evaluate(
        """() => {
            const out = [];
            const sel = 'button, a, input:not([type=radio]):not([type=checkbox]), select, .choice';
            for (const el of document.querySelectorAll(sel)) {
                const box = el.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) continue;
                if (box.height < 44) out.push(el.tagName + '#' + el.id + ' ' + box.height);
            }
            return out;
        }"""
    )


def photograph(page, screenshot, name: str) -> None:
    """Save the phone-sized view of the screen, without a passing notice."""
    page.evaluate("document.getElementById('toast').hidden = true")
    screenshot(page, name, full_page=False)
