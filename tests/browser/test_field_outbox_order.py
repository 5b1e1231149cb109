"""The outbox keeps the order entries were made in (two taps in one second, a clock moved),
and giving up a refused household never drops the visits that waited for it unsaved."""

from __future__ import annotations

import json
from pathlib import Path

from app.extensions import db
from app.people.models import Resident
from tests.field.browser_helpers import log_in, new_household, phone_rows, wait_for_data

TAKEN = "038098001234"


def test_entries_made_in_one_second_keep_their_order(
    page, context, live_server, make_user, make_household
):
    """A session result corrected within the same second (the phone's clock even moved back
    between the taps): the correction goes last, and the last one the server takes wins."""
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    make_household("20179-001")
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    order = page.evaluate(
        """async () => {
        const outbox = await import('/static/app/outbox.js');
        const util = await import('/static/app/util.js');
        const first = {client_id: 'f0000000-0000-4000-8000-000000000000', resident_id: 7,
                       attended: false};
        const second = {client_id: '00000000-0000-4000-8000-000000000000', resident_id: 7,
                        attended: true, id_card: 'collected'};
        await outbox.enqueue('session_result', first, {username: 'canbo', extra: {session_id: 1}});
        await outbox.enqueue('session_result', second, {username: 'canbo', extra: {session_id: 1}});
        // A third entry whose time reads earlier (the clock set back) still comes after.
        const third = await outbox.enqueue('returnee', {client_id: 'e0', full_name: 'X'},
                                           {username: 'canbo'});
        const rows = await outbox.entries('canbo');
        return rows.map((r) => [r.client_id, r.seq]);
    }"""
    )
    assert [client_id for client_id, _seq in order] == [
        "f0000000-0000-4000-8000-000000000000",
        "00000000-0000-4000-8000-000000000000",
        "e0",
    ]
    assert [seq for _id, seq in order] == sorted(seq for _id, seq in order)


def _site_with_people(page) -> None:
    """A boarding house made offline, its owner's number already on file, three people
    captured there."""
    new_household(page, "Tổ 3, đường Thuận Giao 12", "Nguyễn Văn Tài", TAKEN, kind="boarding_house")
    page.wait_for_selector("#capture-form")
    for name in ("Lê Thị Mai", "Trần Văn Hùng"):
        page.fill("#cap-name", name)
        page.fill("#cap-year", "1995")
        page.click("#cap-save")
        page.wait_for_function("() => document.activeElement.id === 'cap-id'")


def test_giving_up_a_refused_household_saves_its_waiting_visits_to_a_file_first(
    page, context, live_server, make_user, make_household
):
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    make_household("20179-001", residents=[{"full_name": "Người Khác", "id_number": TAKEN}])
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    _site_with_people(page)
    context.set_offline(False)
    page.goto("/app#outbox")
    page.wait_for_selector("#rejected-list", timeout=30_000)
    rows = phone_rows(page, "outbox")
    [household] = [r for r in rows if r["kind"] == "household"]
    assert household["state"] == "rejected"
    page.click(f"[data-client-id='{household['client_id']}'] button:has-text('Bỏ')")
    page.wait_for_selector("#modal-yes")
    question = page.inner_text("#modal")
    assert "3 lượt thăm" in question and "tệp" in question  # the site's own visit, two people
    with page.expect_download() as download:
        page.click("#modal-yes")
    saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    kinds = [entry["kind"] for entry in saved["entries"]]
    assert kinds == ["household", "visit", "visit", "visit"]
    names = json.dumps(saved, ensure_ascii=False)
    assert "Lê Thị Mai" in names and "Trần Văn Hùng" in names
    page.wait_for_function("() => !document.querySelector('#rejected-list')")
    assert phone_rows(page, "outbox") == []
    db.session.rollback()
    assert db.session.query(Resident).filter_by(full_name="Lê Thị Mai").count() == 0


def test_giving_up_another_refused_entry_says_whether_the_server_keeps_it(
    page, context, live_server, make_user, make_household
):
    """The server keeps a refused visit for the commander, not a refused card reading."""
    make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    make_household("20179-001")
    log_in(page, "canbo")
    wait_for_data(page)
    context.set_offline(True)
    page.evaluate(
        """async () => {
        const outbox = await import('/static/app/outbox.js');
        for (const kind of ['card_scan', 'visit']) {
            const row = await outbox.enqueue(kind, {client_id: kind, resident_id: 1},
                                             {username: 'canbo'});
            await outbox.markRejected(row, {message: 'Không hợp lệ.', errors: {}, code: 422});
        }
    }"""
    )
    page.goto("/app#outbox")
    for client_id, said in (("card_scan", "không giữ"), ("visit", "vẫn giữ")):
        page.click(f"[data-client-id='{client_id}'] button:has-text('Bỏ')")
        page.wait_for_selector("#modal-yes")
        assert said in page.inner_text("#modal")
        page.click("#modal button:has-text('Hủy')")
        page.wait_for_selector("#modal-yes", state="detached")
