"""Official units, hamlets from the API and from GeoJSON, scope of unit reads."""

import json

from sqlalchemy import func, select

from app.extensions import db
from app.units import service
from app.units.models import Unit
from tests.factories import square


def test_load_official_units_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "load"])
    assert result.exit_code == 0, result.output
    counts = dict(db.session.execute(select(Unit.level, func.count()).group_by(Unit.level)).all())
    assert counts == {"province": 34, "commune": 3321}
    nam_dong = db.session.scalar(select(Unit).where(Unit.code == "20179"))
    assert nam_dong.name == "Xã Nam Đông"
    assert nam_dong.parent.code == "46"
    assert nam_dong.province_id == nam_dong.parent_id
    assert (nam_dong.centroid_lat, nam_dong.centroid_lon) == (16.066, 107.717)
    again = runner.invoke(args=["units", "load"])
    assert "thêm 0" in again.output
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 34 + 3321


def test_children_with_geometry(client, world, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    body = client.get("/api/v1/units/20179/children", headers=headers).get_json()
    assert body["total"] == 3
    first = body["items"][0]
    assert first["code"] == "20179-001"
    assert first["level"] == "hamlet"
    assert first["parent_code"] == "20179"
    assert first["geometry"]["type"] == "Polygon"
    lean = client.get("/api/v1/units/20179/children?geometry=false", headers=headers).get_json()
    assert lean["items"][0]["geometry"] is None


def test_units_outside_scope_are_404(client, world, make_user, token_for):
    head = token_for(make_user("village_head", "20179-001"))
    assert client.get("/api/v1/units/20179-001", headers=head).status_code == 200
    assert client.get("/api/v1/units/20179-002", headers=head).status_code == 404
    assert client.get("/api/v1/units/20179", headers=head).status_code == 404
    commander = token_for(make_user("commander", "19777"))
    assert client.get("/api/v1/units/20179/children", headers=commander).status_code == 404
    province = token_for(make_user("admin", "46"))
    assert client.get("/api/v1/units/20179/children", headers=province).status_code == 200
    assert client.get("/api/v1/units/00004", headers=province).status_code == 404


def test_create_hamlet(client, world, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    geometry = square(16.10, 107.70, 0.005)
    response = client.post(
        "/api/v1/units/20179/hamlets",
        headers=headers,
        json={"name": "Bản Ka Zăng", "kind": "bản", "geometry": geometry},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["code"] == "20179-004"
    assert body["kind"] == "bản"
    assert body["geometry"] == geometry
    same = client.post("/api/v1/units/20179/hamlets", headers=headers, json={"name": "ban ka zang"})
    assert same.status_code == 409


def test_hamlet_geometry_refused_with_reason(client, world, make_user, token_for):
    headers = token_for(make_user("admin", "46"))
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[107.7, 16.0], [107.71, 16.01], [107.71, 16.0], [107.7, 16.01], [107.7, 16.0]]
        ],
    }
    response = client.post(
        "/api/v1/units/20179/hamlets", headers=headers, json={"name": "Thôn X", "geometry": bowtie}
    )
    assert response.status_code == 422
    assert "Self-intersection" in response.get_json()["errors"]["geometry"][0]
    swapped = square(107.70, 16.10)  # latitude and longitude swapped
    response = client.post(
        "/api/v1/units/20179/hamlets", headers=headers, json={"name": "Thôn Y", "geometry": swapped}
    )
    assert response.status_code == 422
    point = {"type": "Point", "coordinates": [107.7, 16.0]}
    response = client.post(
        "/api/v1/units/20179/hamlets", headers=headers, json={"name": "Thôn Z", "geometry": point}
    )
    assert response.status_code == 422


def test_roles_that_may_not_create_hamlets(client, world, make_user, token_for):
    officer = token_for(make_user("officer", "20179"))
    assert (
        client.post(
            "/api/v1/units/20179/hamlets", headers=officer, json={"name": "Thôn 9"}
        ).status_code
        == 403
    )
    other = token_for(make_user("commander", "19777"))
    assert (
        client.post(
            "/api/v1/units/20179/hamlets", headers=other, json={"name": "Thôn 9"}
        ).status_code
        == 404
    )


def test_import_hamlets_cli(app, world, tmp_path):
    features = [
        {"type": "Feature", "properties": {"name": "Thôn 1"}, "geometry": square(16.05, 107.70)},
        {
            "type": "Feature",
            "properties": {"name": "Thôn Mới", "kind": "bản"},
            "geometry": square(16.09, 107.74),
        },
    ]
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "import-hamlets", str(good), "--commune", "20179"])
    assert result.exit_code == 0, result.output
    assert "thêm 1, cập nhật 1" in result.output
    again = runner.invoke(args=["units", "import-hamlets", str(good), "--commune", "20179"])
    assert "thêm 0, cập nhật 0, giữ nguyên 2" in again.output

    bad_features = [
        *features,
        {"type": "Feature", "properties": {}, "geometry": square(16.0, 107.7)},
        {
            "type": "Feature",
            "properties": {"name": "Thôn Hỏng"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[107.7, 16.0], [107.71, 16.01], [107.71, 16.0], [107.7, 16.01], [107.7, 16.0]]
                ],
            },
        },
    ]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": bad_features}), "utf-8")
    before = db.session.scalar(select(func.count()).select_from(Unit))
    result = runner.invoke(args=["units", "import-hamlets", str(bad), "--commune", "20179"])
    assert result.exit_code != 0
    assert "features.2" in result.output and "name" in result.output
    assert "features.3" in result.output and "Self-intersection" in result.output
    assert db.session.scalar(select(func.count()).select_from(Unit)) == before

    junk = tmp_path / "junk.geojson"
    junk.write_text("not json", "utf-8")
    result = runner.invoke(args=["units", "import-hamlets", str(junk), "--commune", "20179"])
    assert result.exit_code != 0 and "GeoJSON" in result.output


def test_official_units_never_touch_network(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    provinces, communes = service.official_units()
    assert len(provinces) == 34 and len(communes) == 3321
