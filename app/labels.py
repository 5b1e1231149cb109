"""Vietnamese labels of machine values shown on pages and maps, for every domain to use."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FOLLOWUP_KINDS = {
    "revisit": _l("Quay lại gõ cửa"),
    "returnee_visit": _l("Gặp người mới về"),
    "id_capture": _l("Thu nhận hồ sơ căn cước"),
    "id_capture_at_home": _l("Thu nhận căn cước tại nhà"),
    "eid_support": _l("Hỗ trợ kích hoạt VNeID"),
    "verify_documents": _l("Đối chiếu giấy tờ"),
    "location_check": _l("Xác minh vị trí hộ"),
}

VISIT_FLAGS = {
    "far_from_household": _l("xa vị trí hộ"),
    "outside_hamlet": _l("ngoài địa bàn thôn"),
    "low_accuracy": _l("định vị kém chính xác"),
    "no_location": _l("không có vị trí"),
}

OUTCOMES = {
    "met": _l("Gặp được hộ"),
    "nobody_home": _l("Không có ai ở nhà"),
    "refused": _l("Từ chối"),
    "household_moved": _l("Hộ đã chuyển đi"),
}

MAP_METRICS = {
    "coverage": _l("Tỷ lệ hộ đã gõ cửa"),
    "id_rate": _l("Tỷ lệ thu nhận căn cước"),
    "eid_rate": _l("Tỷ lệ kích hoạt VNeID mức 2"),
    "followups_overdue": _l("Việc quay lại quá hạn"),
}

LEVELS = {
    "province": _l("Tỉnh/thành phố"),
    "district": _l("Huyện"),
    "commune": _l("Xã/phường"),
    "hamlet": _l("Thôn/tổ dân phố"),
}


def label(table: dict, value: str | None) -> str:
    """Return the label of a machine value, or the value itself when it has none."""
    if value is None:
        return ""
    text = table.get(value)
    return str(text) if text is not None else value
