"""Vietnamese labels and number formats for map tooltips and legends.

Machine keys stay English (API.md); every string a commander reads is Vietnamese.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape

MISSING = "—"
ESTIMATED_SUFFIX = " (ước tính)"

# Tooltip rows, in order: figure key (API.md coverage) or derived rate -> label.
FIGURE_LABELS: dict[str, str] = {
    "households_total": "Tổng số hộ",
    "households_visited": "Hộ đã gõ cửa",
    "coverage": "Tỷ lệ bao phủ",
    "residents_eligible": "Công dân thuộc diện cấp căn cước",
    "id_collected": "Đã thu nhận hồ sơ căn cước",
    "id_rate": "Tỷ lệ thu nhận căn cước",
    "eid_level2_active": "Đã kích hoạt VNeID mức 2",
    "eid_rate": "Tỷ lệ kích hoạt VNeID mức 2",
    "corrections_open": "Thông tin cần điều chỉnh",
    "followups_open": "Việc quay lại đang mở",
    "followups_overdue": "Việc quay lại quá hạn",
    "last_visit_at": "Lần gõ cửa gần nhất",
}
RATE_KEYS = frozenset({"coverage", "id_rate", "eid_rate"})
NAME_LABEL = "Đơn vị"
LINK_LABEL = "Chi tiết"

METRIC_TITLES: dict[str, str] = {
    "coverage": "Tỷ lệ bao phủ hộ",
    "id_rate": "Tỷ lệ thu nhận căn cước",
    "eid_rate": "Tỷ lệ kích hoạt VNeID mức 2",
    "followups_overdue": "Việc quay lại quá hạn",
}

# What the link in a unit's popup opens, by the unit's level.
LINK_TEXT: dict[str, str] = {
    "province": "Xem bản đồ tỉnh",
    "district": "Xem bản đồ huyện",
    "commune": "Xem bản đồ xã",
    "hamlet": "Xem bản đồ thôn",
}

LAYER_UNITS = "Đơn vị hành chính"
LAYER_UNVISITED = "Hộ chưa gõ cửa"
LAYER_HEAT = "Mật độ hộ chưa gõ cửa"
LAYER_FOLLOWUPS = "Việc quay lại (đỏ: quá hạn)"
LAYER_FLAGGED = "Lượt gõ cửa ngoài địa bàn thôn"
BASE_LAYER = "Bản đồ nền"

FOLLOWUP_LABEL = "Việc cần làm"
FOLLOWUP_STATUS_LABEL = "Trạng thái"
FOLLOWUP_OVERDUE = "Quá hạn"
FOLLOWUP_OPEN = "Đang mở"
FLAGGED_LABEL = "Lượt gõ cửa"

LEGEND_NO_DATA = "Chưa có số liệu"
LEGEND_ESTIMATED = "Ranh giới ước tính từ vị trí các hộ"
LEGEND_CIRCLE = "Chưa có ranh giới (cỡ vòng theo số hộ)"
LEGEND_UNPLACED = "{count} đơn vị chưa có vị trí, không vẽ được"


def format_int(value: float) -> str:
    """Format a count the Vietnamese way: 12.345."""
    return f"{round(value):,}".replace(",", ".")


def format_number(value: float) -> str:
    """Format a count, or a fraction with a decimal comma."""
    if float(value).is_integer():
        return format_int(value)
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def format_percent(rate: float) -> str:
    """Format a 0..1 share as a percentage with a decimal comma: 62,5%."""
    return f"{rate * 100:.1f}".replace(".", ",") + "%"


def format_timestamp(value: datetime | date | str) -> str:
    """Format a timestamp as dd/mm/yyyy HH:MM (a date as dd/mm/yyyy), in its own offset."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return escape(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def format_figure(key: str, value: object) -> str:
    """Format one figure for a tooltip; missing values show a dash."""
    if value is None or value == "":
        return MISSING
    if key == "last_visit_at":
        if isinstance(value, datetime | date | str):
            return format_timestamp(value)
        return escape(str(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape(str(value))
    if key in RATE_KEYS:
        return format_percent(float(value))
    return format_number(value)
