"""The app shell, service worker, manifest and texts, through the Flask test client."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.labels import choices
from app.tools.translations import read_english

ROOT = Path(__file__).resolve().parent.parent.parent
APP_JS = ROOT / "forms" / "static" / "app"


def precache(client) -> list[str]:
    text = client.get("/app/sw.js").get_data(as_text=True)
    return json.loads(re.search(r"const ASSETS = (\[.*?\]);", text, re.S).group(1))


def test_shell_is_public_and_the_same_for_everyone(client, world, make_user):
    anonymous = client.get("/app")
    assert anonymous.status_code == 200
    assert anonymous.mimetype == "text/html"
    assert anonymous.headers["Cache-Control"] == "no-cache"
    officer = make_user("officer", "20179", hamlets=["20179-001"], username="canbo")
    client.post("/login", data={"username": "canbo", "password": "secret-pass"})
    signed_in = client.get("/app")
    assert signed_in.get_data() == anonymous.get_data()
    assert officer.username not in signed_in.get_data(as_text=True)


def test_login_page_sends_field_users_to_the_app(client, make_user):
    make_user("village_head", "20179-001", username="truongthon")
    answer = client.post("/login", data={"username": "truongthon", "password": "secret-pass"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/app")


def test_service_worker_controls_the_app(client):
    answer = client.get("/app/sw.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Service-Worker-Allowed"] == "/app"
    assert answer.headers["Cache-Control"] == "no-cache"
    assets = precache(client)
    assert assets[0] == "/app"
    modules = {f"/static/app/{p.relative_to(APP_JS).as_posix()}" for p in APP_JS.rglob("*.js")}
    assert modules <= set(assets)
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_every_module_the_shell_loads_is_kept_offline(client):
    html = client.get("/app").get_data(as_text=True)
    referenced = set(re.findall(r'(?:href|src)="([^"]+)"', html))
    assert referenced and referenced <= set(precache(client))
    imports = [
        (path, target)
        for path in APP_JS.rglob("*.js")
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', path.read_text(encoding="utf-8"))
    ]
    assert len(imports) > 50  # the pattern still finds the imports
    for path, target in imports:
        assert (path.parent / target).resolve().is_file(), (path, target)


def test_version_changes_with_the_assets(app, monkeypatch, client):
    from app.field import pages

    before = client.get("/app/sw.js").get_data(as_text=True)
    original = pages.app_version()
    monkeypatch.setattr(pages, "app_version", lambda: original + "x")
    after = client.get("/app/sw.js").get_data(as_text=True)
    assert before != after
    assert f'"{original}x"' in after


def test_manifest(client):
    answer = client.get("/app/manifest.webmanifest")
    assert answer.mimetype == "application/manifest+json"
    doc = json.loads(answer.get_data(as_text=True))
    assert doc["start_url"] == "/app" and doc["scope"] == "/app"
    assert doc["lang"] == "vi" and doc["display"] == "standalone"
    assert client.get(doc["icons"][0]["src"]).status_code == 200


def test_strings_and_labels_come_from_the_catalogue(client):
    english = client.get("/app/i18n/en.json").get_json()
    assert english["strings"]["Hôm nay"] == "Today"
    assert english["labels"]["presence"]["away_working"] == "Away working"
    vietnamese = client.get("/app/i18n/vi.json").get_json()
    assert vietnamese["strings"] == {}
    assert vietnamese["labels"]["presence"]["away_working"] == "Đi làm ăn xa"
    assert vietnamese["labels"]["outcome"] == choices("outcome")
    assert list(vietnamese["labels"]["presence"]) == list(choices("presence"))  # form order
    assert client.get("/app/i18n/fr.json").status_code == 404


# Literals that are not texts to translate: names in comments, separators, a language's own name.
NOT_TEXT = {"Tiếng Việt", "Nguyễn Văn", " › ", " · ", " — ", "—", "Đã gửi %(n)s lượt"}


@pytest.mark.parametrize("path", sorted(APP_JS.rglob("*.js")), ids=lambda p: p.name)
def test_every_vietnamese_text_has_english(client, path):
    # Every Vietnamese literal is marked t() or N_() (so the catalogue has it) and has English.
    english = client.get("/app/i18n/en.json").get_json()["strings"]
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', path.read_text(encoding="utf-8"))
    texts = {s for s in literals if re.search(r"[^\x00-\x7f]", s)} - NOT_TEXT
    assert sorted(t for t in texts if english.get(t, t) == t) == []


def test_english_keeps_the_placeholders():
    messages = [m for m in read_english() if m.id and m.string]
    assert any("%(" in m.id for m in messages)  # there are placeholders to keep
    for message in messages:
        vi, en = message.id, message.string
        assert sorted(re.findall(r"%\(\w+\)s", vi)) == sorted(re.findall(r"%\(\w+\)s", en)), vi


def test_the_phone_gets_the_provinces_on_file_for_home_provinces(client, world):
    """Home provinces are the units on file today ("46"); ID numbers' 63 codes stay apart."""
    body = client.get("/app/i18n/vi.json").get_json()
    assert body["home_provinces"]["46"] == world.units["46"].name
    assert all(len(code) == 2 for code in body["home_provinces"])
    assert len(body["provinces"]) == 63 and "046" in body["provinces"]
