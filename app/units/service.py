"""Units: the official list, hamlets and their boundaries, lookups by code.

Units lie beneath users and know none: lookups inside a user's scope are app.auth.units.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from importlib import resources
from typing import Any

import shapely
from flask_babel import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import func, insert, select

from app.errors import ConflictError, InvalidError
from app.extensions import db
from app.text import ascii_digits, fold
from app.units.models import HAMLET_KINDS, Unit

# A hamlet boundary must lie near its commune: no commune is wider than this.
MAX_HAMLET_DISTANCE_DEG = 1.0
# A hamlet boundary drawn by hand or traced from a map has tens to hundreds of vertices; more
# than this is a mistake (or an attack) that would slow every map that shows it.
MAX_BOUNDARY_VERTICES = 5000


def _dataset_path() -> str:
    return str(resources.files("vietnamadminunits") / "data" / "dataset.db")


def official_units() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read the 34 provinces and 3,321 communes from the bundled dataset (no network)."""
    conn = sqlite3.connect(f"file:{_dataset_path()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT province, provinceCode, provinceLat, provinceLon, ward, wardType, wardCode,"
            " wardLat, wardLon, wardAreaKm2 FROM admin_units ORDER BY provinceCode, wardCode"
        ).fetchall()
    finally:
        conn.close()
    provinces: dict[str, dict[str, Any]] = {}
    communes = []
    for p_name, p_code, p_lat, p_lon, w_name, w_type, w_code, w_lat, w_lon, w_area in rows:
        provinces.setdefault(
            p_code,
            {
                "code": p_code,
                "name": p_name,
                "kind": "Thành phố" if p_name.startswith("Thành phố") else "Tỉnh",
                "centroid_lat": p_lat,
                "centroid_lon": p_lon,
            },
        )
        communes.append(
            {
                "code": w_code,
                "name": w_name,
                "kind": w_type,
                "province_code": p_code,
                "centroid_lat": w_lat,
                "centroid_lon": w_lon,
                "area_km2": w_area,
            }
        )
    return list(provinces.values()), communes


def load_units() -> dict[str, int]:
    """Insert or update provinces and communes; running it twice changes nothing."""
    provinces, communes = official_units()
    existing = {
        code: (uid, name)
        for code, uid, name in db.session.execute(
            select(Unit.code, Unit.id, Unit.name).where(Unit.level.in_(("province", "commune")))
        )
    }
    counts = {"added": 0, "updated": 0, "unchanged": 0}

    def upsert(rows: Iterable[dict[str, Any]], level: str, parent_of) -> None:
        new_rows = []
        for row in rows:
            fields = {
                "code": row["code"],
                "name": row["name"],
                "name_folded": fold(row["name"]),
                "level": level,
                "kind": row["kind"],
                "centroid_lat": row["centroid_lat"],
                "centroid_lon": row["centroid_lon"],
                "area_km2": row.get("area_km2"),
                "source": "vietnamadminunits",
            }
            parent_id = parent_of(row)
            if row["code"] in existing:
                uid, name = existing[row["code"]]
                if name != row["name"]:
                    unit = db.session.get(Unit, uid)
                    unit.name, unit.name_folded = row["name"], fold(row["name"])
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                continue
            new_rows.append({**fields, "parent_id": parent_id})
        if new_rows:
            db.session.execute(insert(Unit), new_rows)
            counts["added"] += len(new_rows)

    upsert(provinces, "province", lambda row: None)
    db.session.flush()
    province_ids = dict(
        db.session.execute(select(Unit.code, Unit.id).where(Unit.level == "province")).all()
    )
    # A province is its own province; set it for rows just inserted.
    for _code, uid in province_ids.items():
        unit = db.session.get(Unit, uid)
        if unit.province_id != uid:
            unit.province_id = uid
    upsert(communes, "commune", lambda row: province_ids[row["province_code"]])
    db.session.flush()
    db.session.execute(
        Unit.__table__.update()
        .where(Unit.level == "commune", Unit.province_id.is_(None))
        .values(province_id=Unit.parent_id)
    )
    db.session.flush()
    return counts


def get_unit(code: str) -> Unit | None:
    """Return the unit with this code, whoever asks."""
    return db.session.scalar(select(Unit).where(Unit.code == code))


def check_boundary(geometry: Any, near: tuple[float, float] | None = None) -> dict:
    """Validate a GeoJSON Polygon/MultiPolygon; answer it cleaned or raise with the reason."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidError(
            _("Ranh giới phải là Polygon hoặc MultiPolygon GeoJSON."),
            {"geometry": [_("Chỉ chấp nhận Polygon hoặc MultiPolygon.")]},
        )
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InvalidError(
            _("Ranh giới không đọc được."), {"geometry": [_("Toạ độ sai cấu trúc.")]}
        ) from exc
    if geom.is_empty:
        raise InvalidError(_("Ranh giới rỗng."), {"geometry": [_("Ranh giới rỗng.")]})
    count = shapely.get_num_coordinates(geom)
    if count > MAX_BOUNDARY_VERTICES:
        message = _(
            "Ranh giới có %(count)s đỉnh, nhiều hơn mức cho phép %(limit)s: hãy đơn giản hoá.",
            count=count,
            limit=MAX_BOUNDARY_VERTICES,
        )
        raise InvalidError(message, {"geometry": [message]})
    if not geom.is_valid:
        reason = explain_validity(geom)
        raise InvalidError(
            _("Ranh giới không hợp lệ: %(reason)s", reason=reason), {"geometry": [reason]}
        )
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidError(
            _("Toạ độ ngoài phạm vi (kinh độ, vĩ độ)."), {"geometry": [_("Toạ độ ngoài phạm vi.")]}
        )
    if near is not None:
        lat, lon = near
        c = geom.centroid
        if abs(c.y - lat) > MAX_HAMLET_DISTANCE_DEG or abs(c.x - lon) > MAX_HAMLET_DISTANCE_DEG:
            raise InvalidError(
                _("Ranh giới nằm quá xa xã (kiểm tra thứ tự kinh độ, vĩ độ)."),
                {"geometry": [_("Quá xa tâm xã.")]},
            )
    return geometry


def _next_hamlet_code(commune: Unit) -> str:
    codes = db.session.scalars(
        select(Unit.code).where(Unit.parent_id == commune.id, Unit.level == "hamlet")
    ).all()
    numbers = [int(c.rsplit("-", 1)[1]) for c in codes if ascii_digits(c.rsplit("-", 1)[-1])]
    return f"{commune.code}-{(max(numbers, default=0) + 1):03d}"


def _centroid(geometry: dict | None) -> tuple[float | None, float | None]:
    if not geometry:
        return None, None
    point = shape(geometry).representative_point()
    return round(point.y, 6), round(point.x, 6)


def create_hamlet(
    commune: Unit, *, name: str, kind: str, geometry: dict | None = None, code: str | None = None
) -> Unit:
    """Create a hamlet under a commune, with an optional boundary."""
    if commune.level != "commune":
        raise InvalidError(_("Chỉ tạo thôn dưới cấp xã/phường."))
    name = " ".join(name.split())
    if not name:
        raise InvalidError(_("Tên thôn là bắt buộc."), {"name": [_("Trường này là bắt buộc.")]})
    if kind not in HAMLET_KINDS:
        raise InvalidError(_("Loại thôn không hợp lệ."), {"kind": [", ".join(HAMLET_KINDS)]})
    folded = fold(name)
    clash = db.session.scalar(
        select(Unit.code).where(Unit.parent_id == commune.id, Unit.name_folded == folded)
    )
    if clash:
        raise ConflictError(_("Xã đã có thôn tên %(name)s (%(code)s).", name=name, code=clash))
    near = (commune.centroid_lat, commune.centroid_lon) if commune.centroid_lat else None
    if geometry is not None:
        geometry = check_boundary(geometry, near)
    lat, lon = _centroid(geometry)
    hamlet = Unit(
        code=code or _next_hamlet_code(commune),
        name=name,
        name_folded=folded,
        level="hamlet",
        kind=kind,
        parent_id=commune.id,
        province_id=commune.province_id,
        geometry=geometry,
        centroid_lat=lat,
        centroid_lon=lon,
        source="local",
    )
    db.session.add(hamlet)
    db.session.flush()
    return hamlet


def import_hamlets(commune: Unit, collection: Any) -> dict[str, int]:
    """Import a GeoJSON FeatureCollection of hamlets, all or nothing; names already known update."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidError(_("Tệp phải là GeoJSON FeatureCollection."))
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidError(_("Tệp không có đối tượng (feature) nào."))
    errors: dict[str, list[str]] = {}
    near = (commune.centroid_lat, commune.centroid_lon) if commune.centroid_lat else None
    parsed = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        props = (feature or {}).get("properties") or {} if isinstance(feature, dict) else {}
        name = " ".join(str(props.get("name") or "").split())
        kind = str(props.get("kind") or "thôn")
        problems = []
        if not name:
            problems.append(_("thiếu thuộc tính name"))
        elif fold(name) in seen:
            problems.append(_("tên thôn lặp lại trong tệp"))
        if kind not in HAMLET_KINDS:
            problems.append(_("loại thôn không hợp lệ: %(kind)s", kind=kind))
        try:
            geometry = check_boundary(
                (feature or {}).get("geometry") if isinstance(feature, dict) else None, near
            )
        except InvalidError as exc:
            problems.append(str(exc.message))
            geometry = None
        if problems:
            errors[f"features.{index}"] = problems
        else:
            seen.add(fold(name))
            parsed.append((name, kind, geometry))
    if errors:
        raise InvalidError(_("Tệp ranh giới có lỗi, không nhập gì."), errors)
    existing = {
        unit.name_folded: unit
        for unit in db.session.scalars(select(Unit).where(Unit.parent_id == commune.id))
    }
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for name, kind, geometry in parsed:
        unit = existing.get(fold(name))
        if unit is None:
            create_hamlet(commune, name=name, kind=kind, geometry=geometry)
            counts["added"] += 1
        elif unit.geometry != geometry or unit.kind != kind:
            unit.geometry, unit.kind = geometry, kind
            unit.centroid_lat, unit.centroid_lon = _centroid(geometry)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    return counts


def count_units() -> dict[str, int]:
    """Count units by level."""
    return dict(db.session.execute(select(Unit.level, func.count()).group_by(Unit.level)).all())


def unit_codes(ids: Iterable[int | None]) -> dict[int, str]:
    """Map unit ids to codes, one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(wanted))).all())
