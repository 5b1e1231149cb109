"""Reading an ID card's QR code on the phone: a QR image made here (segno) is decoded by the
app's own decoder (jsQR on Chromium for Linux), the card is shown beside the record with the
different name marked, and the reading goes through the outbox (offline first) to the
card-scan endpoint, which opens the correction. A second Chromium whose fake camera films the
same code (a Y4M video written here) reads it from the camera's frames."""

from __future__ import annotations

import pytest
import segno
from sqlalchemy import select

from app.extensions import db
from app.people.models import Correction
from tests.browser.conftest import BROWSER_ENV, CHROMIUM_ARGS, SCREENSHOTS, _chromium_path
from tests.field.browser_helpers import log_in, outbox_count, wait_for_data, wait_sent

FULL = "046068000123"
CARD = f"{FULL}|183456789|Hồ Văn Nhơn|02031968|Nam|Thôn 1, Xã Nam Đông, Thừa Thiên Huế|15042021"


@pytest.fixture
def field_world(make_user, make_household):
    officer = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    household = make_household(
        "20179-001",
        residents=[
            {
                "full_name": "Hồ Văn Nhờ",
                "date_of_birth": "1968-03-02",
                "sex": "male",
                "id_number": FULL,
            },
        ],
    )
    return officer, household


@pytest.fixture
def card_png(tmp_path):
    path = tmp_path / "card-qr.png"
    segno.make(CARD, error="m", micro=False).save(path, scale=6, border=4)
    return path


def open_scan(page, household, resident_id):
    page.goto(f"/app#visit/{household.id}")
    page.wait_for_selector("#visit-form")
    page.check("input[name=outcome][value=met]")  # the residents show once someone is met
    page.click(f"fieldset.resident[data-resident='{resident_id}'] a.scan-card")
    page.wait_for_selector("#scan-text")


def test_a_card_photo_is_read_compared_and_sent_through_the_outbox(
    page, context, field_world, card_png, client, token_for
):
    officer, household = field_world
    head = household.residents[0]
    log_in(page, "canbo")
    wait_for_data(page)
    open_scan(page, household, head.id)
    # No camera in this browser: the screen says so and offers the photo and the text.
    page.wait_for_selector("#scan-status:not(:empty)")

    page.set_input_files("#scan-file", str(card_png))
    page.wait_for_selector("#scan-compare")
    assert page.input_value("#scan-text") == CARD  # the decoder read the image exactly
    name_row = page.locator("#scan-compare tr[data-field=full_name]")
    assert name_row.get_attribute("class") == "diff"
    assert name_row.locator(".on-file").inner_text() == "Hồ Văn Nhờ"
    assert name_row.locator(".on-card").inner_text() == "Hồ Văn Nhơn"
    dob_row = page.locator("#scan-compare tr[data-field=date_of_birth]")
    assert dob_row.get_attribute("class") is None
    assert dob_row.locator(".on-card").inner_text() == "02/03/1968"
    assert page.locator("#scan-compare tr.diff").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "card-scan.png"), full_page=True)

    context.set_offline(True)
    page.click("#scan-send")
    page.wait_for_selector("#visit-form")
    assert outbox_count(page) == 1
    [entry] = page.evaluate("async () => (await import('/static/app/outbox.js')).entries()")
    assert entry["kind"] == "card_scan" and entry["body"]["resident_id"] == head.id

    context.set_offline(False)
    wait_sent(page, 1)
    db.session.rollback()
    [row] = db.session.scalars(select(Correction).where(Correction.source == "card_scan")).all()
    assert row.resident_id == head.id and row.field == "full_name"
    response = client.get(
        f"/api/v1/corrections?resident={head.id}&source=card_scan", headers=token_for(officer)
    )
    [shown] = response.get_json()["items"]
    assert shown["proposed"] == "Hồ Văn Nhơn" and shown["current"] == "Hồ Văn Nhờ"
    assert shown["details"]["card"]["id_number"] == "********0123"
    assert page.console_errors == []


def test_typed_text_that_is_not_a_card_is_refused_on_the_phone(page, field_world):
    _officer, household = field_world
    log_in(page, "canbo")
    wait_for_data(page)
    open_scan(page, household, household.residents[0].id)
    page.fill("#scan-text", "04606800012|183456789|Hồ Văn Nhơn|02031968|Nam|Nam Đông|15042021")
    page.click("#scan-read")
    error = page.wait_for_selector("#scan-error")
    assert "12 chữ số" in error.inner_text() and "11" in error.inner_text()
    assert page.locator("#scan-send").count() == 0
    page.fill("#scan-text", CARD.replace("|", ";"))
    page.click("#scan-read")
    page.wait_for_selector("#scan-error >> text=dấu |")


def write_y4m(text: str, path, width: int = 640, height: int = 480, frames: int = 10) -> None:
    """A still video of a QR code on white for Chromium's fake camera (YUV 4:2:0, grey)."""
    matrix = [list(row) for row in segno.make(text, error="m", micro=False).matrix]
    scale = min(width, height) * 3 // 4 // (len(matrix) + 8)
    side = len(matrix) * scale
    left, top = (width - side) // 2, (height - side) // 2
    luma = bytearray(b"\xeb" * (width * height))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if not dark:
                continue
            for dy in range(scale):
                start = (top + y * scale + dy) * width + left + x * scale
                luma[start : start + scale] = b"\x10" * scale
    chroma = b"\x80" * ((width // 2) * (height // 2) * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma)


@pytest.fixture
def camera_page(browser, live_server, tmp_path):
    """A page of a second Chromium (same Playwright) whose camera films a card's QR code."""
    video = tmp_path / "card.y4m"
    write_y4m(CARD, video)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    chromium = browser.browser_type.launch(
        executable_path=_chromium_path(), headless=True, args=args, env=BROWSER_ENV
    )
    context = chromium.new_context(
        viewport={"width": 360, "height": 640}, locale="vi-VN", base_url=live_server.url
    )
    context.grant_permissions(["camera"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()
    chromium.close()


def test_the_camera_reads_the_card(camera_page, field_world):
    page = camera_page
    _officer, household = field_world
    log_in(page, "canbo")
    wait_for_data(page)
    open_scan(page, household, household.residents[0].id)
    page.wait_for_selector("#scan-compare", timeout=20_000)
    assert page.input_value("#scan-text") == CARD
    assert page.locator("#scan-compare tr.diff").get_attribute("data-field") == "full_name"
    assert page.is_hidden("#scan-video")  # the camera is closed once the code is read
    assert page.console_errors == []
