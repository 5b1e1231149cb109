"""The one catalogue of labels for machine values (API.md): Vietnamese msgids by field and value.

Values never change; labels are what a person reads: on pages, in spreadsheets, on maps and on
the phone (served with its strings at /app/i18n/<lang>.json). The Vietnamese text is the msgid;
English comes from the Flask-Babel catalogue (app/translations/en/LC_MESSAGES/messages.po),
like every other text. Parsers of Vietnamese words (app/imports/cells.py) keep their synonyms,
but write labels from here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations
from flask_babel import gettext

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def N_(text: str) -> str:
    """Mark a msgid for extraction (pybabel -k N_); it is translated when shown."""
    return text


LABELS: dict[str, dict[str, str]] = {
    "role": {
        "admin": N_("Quản trị viên"),
        "commander": N_("Chỉ huy"),
        "officer": N_("Cán bộ"),
        "village_head": N_("Trưởng thôn"),
    },
    "unit_level": {
        "province": N_("Tỉnh"),
        "district": N_("Huyện"),
        "commune": N_("Xã"),
        "hamlet": N_("Thôn"),
    },
    "presence": {
        "present": N_("Có mặt"),
        "away_working": N_("Đi làm ăn xa"),
        "away_other": N_("Vắng vì lý do khác"),
        "moved": N_("Đã chuyển đi"),
        "deceased": N_("Đã mất"),
    },
    "id_card": {
        "not_collected": N_("Chưa thu nhận"),
        "collected": N_("Đã thu nhận hồ sơ"),
        "issued": N_("Đã có thẻ căn cước"),
    },
    "eid": {
        "none": N_("Chưa có định danh điện tử"),
        "level1": N_("Định danh mức 1"),
        "level2_applied": N_("Đã đăng ký mức 2"),
        "level2_active": N_("Đã kích hoạt mức 2"),
    },
    "outcome": {
        "met": N_("Gặp được người trong hộ"),
        "nobody_home": N_("Không có ai ở nhà"),
        "refused": N_("Từ chối tiếp"),
        "household_moved": N_("Hộ đã chuyển đi"),
    },
    "correction_field": {
        "full_name": N_("Họ và tên"),
        "date_of_birth": N_("Ngày sinh"),
        "sex": N_("Giới tính"),
        "id_number": N_("Số định danh"),
        "birthplace": N_("Nơi sinh"),
        "ethnicity": N_("Dân tộc"),
        "address": N_("Địa chỉ"),
        "relationship": N_("Quan hệ với chủ hộ"),
        "duplicate_record": N_("Trùng hồ sơ"),
        "other": N_("Thông tin khác"),
    },
    "correction_status": {
        "open": N_("Chưa xử lý"),
        "verified": N_("Đã đối chiếu"),
        "fixed": N_("Đã sửa"),
        "dismissed": N_("Không cần sửa"),
    },
    "followup_kind": {
        "revisit": N_("Quay lại gõ cửa"),
        "returnee_visit": N_("Gặp người mới về"),
        "id_capture": N_("Thu nhận hồ sơ căn cước"),
        "id_capture_at_home": N_("Thu nhận căn cước tại nhà"),
        "eid_support": N_("Hỗ trợ kích hoạt VNeID"),
        "verify_documents": N_("Đối chiếu giấy tờ"),
        "location_check": N_("Xác minh vị trí hộ"),
        "reissue_card": N_("Cấp lại thẻ căn cước"),
        "renew_card": N_("Đổi thẻ căn cước"),
    },
    "followup_status": {
        "open": N_("Đang mở"),
        "done": N_("Đã xong"),
        "cancelled": N_("Đã hủy"),
    },
    "followup_priority": {
        "urgent": N_("Gấp"),
        "high": N_("Cao"),
        "normal": N_("Bình thường"),
    },
    "visit_flag": {
        "far_from_household": N_("Xa vị trí của hộ"),
        "outside_hamlet": N_("Ngoài địa bàn thôn"),
        "low_accuracy": N_("Định vị kém chính xác"),
        "no_location": N_("Không có vị trí"),
    },
    "location_missing_reason": {
        "denied": N_("Không được phép lấy vị trí"),
        "unavailable": N_("Không có tín hiệu"),
        "timeout": N_("Hết giờ"),
    },
    "map_metric": {
        "coverage": N_("Tỷ lệ hộ đã gõ cửa"),
        "id_rate": N_("Tỷ lệ thu nhận căn cước"),
        "eid_rate": N_("Tỷ lệ kích hoạt VNeID mức 2"),
        "followups_overdue": N_("Việc quay lại quá hạn"),
        "temporary_residents": N_("Người tạm trú, lưu trú"),
    },
    # The coverage answer's figures (API.md), as rows of tables, sheets and map tooltips.
    "figure": {
        "households_total": N_("Tổng số hộ"),
        "households_visited": N_("Hộ đã gõ cửa"),
        "coverage": N_("Tỷ lệ bao phủ hộ"),
        "households_attempted": N_("Hộ đã đến (kể cả chưa gặp)"),
        "residents_eligible": N_("Công dân thuộc diện cấp căn cước (có mặt)"),
        "id_collected": N_("Đã thu nhận hồ sơ căn cước"),
        "id_rate": N_("Tỷ lệ thu nhận căn cước"),
        "eid_level2_active": N_("Đã kích hoạt VNeID mức 2"),
        "eid_rate": N_("Tỷ lệ kích hoạt VNeID mức 2"),
        "corrections_open": N_("Thông tin cần điều chỉnh"),
        "followups_open": N_("Việc quay lại đang mở"),
        "followups_overdue": N_("Việc quay lại quá hạn"),
        "last_visit_at": N_("Lần gõ cửa gần nhất"),
        "sites_total": N_("Cơ sở (nhà trọ, ký túc xá, công ty)"),
        "sites_visited": N_("Cơ sở đã gõ cửa"),
        "temporary_residents": N_("Người tạm trú, lưu trú (có mặt)"),
        "cards_to_reissue": N_("Thẻ cần cấp lại"),
        "renewals_due": N_("Thẻ đến hạn đổi (90 ngày tới hoặc quá hạn)"),
    },
    "campaign_status": {
        "upcoming": N_("Sắp diễn ra"),
        "running": N_("Đang diễn ra"),
        "ended": N_("Đã kết thúc"),
    },
    # The officers' performance figures (app/reports/performance.py).
    "performance": {
        "visits": N_("Lượt gõ cửa"),
        "visits_per_day": N_("Lượt mỗi ngày"),
        "active_days": N_("Số ngày có đi"),
        "households_completed": N_("Hộ đã hoàn thành"),
        "corrections_found": N_("Sai sót phát hiện"),
        "followups_done_on_time": N_("Việc quay lại đúng hạn"),
        "followups_done_late": N_("Việc quay lại trễ hạn"),
        "followups_overdue": N_("Việc đang quá hạn"),
    },
    "sex": {"male": N_("Nam"), "female": N_("Nữ")},
    "relationship": {
        "head": N_("Chủ hộ"),
        "spouse": N_("Vợ/chồng"),
        "child": N_("Con"),
        "parent": N_("Cha/mẹ"),
        "grandchild": N_("Cháu"),
        "sibling": N_("Anh/chị/em"),
        "other": N_("Khác"),
    },
    # A spouse or parent named by sex, as household lists write them.
    "relationship_by_sex": {
        "spouse_male": N_("Chồng"),
        "spouse_female": N_("Vợ"),
        "parent_male": N_("Bố"),
        "parent_female": N_("Mẹ"),
    },
    # Whether a resident can travel to a capture point (the phone's visit form).
    "travel": {
        "no": N_("Đi lại được"),
        "yes": N_("Không thể đi lại"),
    },
    "smartphone": {
        "": N_("Chưa rõ"),
        "yes": N_("Có điện thoại thông minh"),
        "no": N_("Không có điện thoại thông minh"),
    },
    # What became of a phone's submission (the batch answer's status, or not sent yet).
    "submission_status": {
        "created": N_("Đã nhận"),
        "duplicate": N_("Đã nhận (gửi lại)"),
        "rejected": N_("Bị từ chối"),
        "pending": N_("Chờ gửi"),
    },
    "time_slot": {
        "morning": N_("Sáng"),
        "midday": N_("Trưa"),
        "afternoon": N_("Chiều"),
        "evening": N_("Tối"),
    },
    "household_kind": {
        "family": N_("Hộ gia đình"),
        "boarding_house": N_("Nhà trọ"),
        "dormitory": N_("Ký túc xá"),
        "company": N_("Công ty, nhà máy"),
        "other_site": N_("Nơi ở khác"),
    },
    "residence": {
        "permanent": N_("Thường trú"),
        "temporary": N_("Tạm trú"),
        "staying": N_("Lưu trú"),
    },
    "card_issue": {
        "lost": N_("Mất thẻ"),
        "damaged": N_("Thẻ hỏng"),
        "expired": N_("Thẻ hết hạn"),
        "wrong_details": N_("Thẻ sai thông tin"),
    },
    # What a household notice (app/schedule/notices.py) says is missing or wrong for a member.
    "notice_issue": {
        "no_id_card": N_("Chưa làm thẻ căn cước"),
        "no_id_number": N_("Chưa có số định danh cá nhân"),
        "eid_not_active": N_("Chưa kích hoạt tài khoản định danh điện tử mức 2 (VNeID)"),
        "correction_open": N_("Thông tin cần điều chỉnh"),
        "card_lost": N_("Thẻ căn cước bị mất: cần cấp lại"),
        "card_damaged": N_("Thẻ căn cước bị hỏng: cần đổi"),
        "card_expired": N_("Thẻ căn cước hết hạn: cần đổi"),
        "card_wrong_details": N_("Thẻ căn cước sai thông tin: cần đổi"),
    },
    # The documents a notice asks the household to prepare.
    "notice_document": {
        "id_card": N_("Thẻ căn cước hoặc chứng minh nhân dân đang có"),
        "birth_certificate": N_("Giấy khai sinh"),
        "residence_papers": N_("Giấy tờ về cư trú (sổ hộ khẩu cũ, giấy xác nhận cư trú nếu có)"),
        "proof_of_details": N_("Giấy tờ chứng minh thông tin đúng (giấy khai sinh, quyết định…)"),
        "phone": N_("Điện thoại thông minh dùng số thuê bao chính chủ"),
    },
    "session_kind": {
        "at_home": N_("Thu nhận tại nhà"),
        "point": N_("Điểm thu nhận"),
        "at_site": N_("Thu nhận tại cơ sở"),
    },
    "session_status": {
        "planned": N_("Đã lên kế hoạch"),
        "done": N_("Đã thực hiện"),
        "cancelled": N_("Đã hủy"),
    },
    # What an entry of a phone's outbox is (the outbox import page, app/field/outbox_import.py).
    "outbox_kind": {
        "household": N_("Hộ mới"),
        "visit": N_("Lượt thăm"),
        "returnee": N_("Báo người về"),
        "card_scan": N_("Quét thẻ căn cước"),
        "session_result": N_("Kết quả buổi thu nhận"),
    },
    # What became of an imported outbox entry.
    "outbox_result": {
        "created": N_("Đã ghi"),
        "duplicate": N_("Đã có, không ghi lại"),
        "rejected": N_("Bị từ chối"),
        "skipped": N_("Bỏ qua, nhập tay"),
    },
    "audit_action": {
        "create": N_("Tạo mới"),
        "update": N_("Sửa"),
        "delete": N_("Xóa"),
        "read": N_("Xem"),
        "export": N_("Xuất tệp"),
        "print": N_("In"),
        "sign_in": N_("Đăng nhập"),
        "sign_in_failed": N_("Đăng nhập không thành công"),
        "token_revoked": N_("Thu hồi phiên đăng nhập"),
        "sign_out": N_("Đăng xuất"),
        "import_households": N_("Nhập danh sách hộ"),
        "outbox_import": N_("Nhập tệp lượt thăm của cán bộ"),
        "load_units": N_("Nạp danh mục đơn vị hành chính"),
        "backup": N_("Sao lưu dữ liệu"),
        "seed": N_("Mở việc cần làm hàng loạt"),
    },
    "audit_object": {
        "households": N_("Hộ"),
        "residents": N_("Nhân khẩu"),
        "visits": N_("Lượt gõ cửa"),
        "corrections": N_("Sai sót"),
        "followups": N_("Việc quay lại"),
        "returnees": N_("Người về địa phương"),
        "users": N_("Người dùng"),
        "units": N_("Đơn vị"),
        "campaigns": N_("Chiến dịch"),
        "coverage": N_("Độ bao phủ"),
        "coverage_map": N_("Bản đồ độ bao phủ"),
        "audit": N_("Nhật ký"),
        "reconciliations": N_("Danh sách đối chiếu"),
    },
    "reconciliation_sector": {
        "health": N_("Y tế"),
        "social_insurance": N_("Bảo hiểm xã hội"),
        "education": N_("Giáo dục"),
        "other": N_("Ngành khác"),
    },
    "reconciliation_class": {
        "matched": N_("Khớp"),
        "wrong_id_number": N_("Sai số định danh"),
        "no_id_number": N_("Thiếu số định danh"),
        "wrong_details": N_("Sai thông tin"),
        "ambiguous": N_("Nhiều người trùng khớp"),
        "not_found": N_("Không tìm thấy"),
    },
    "reconciliation_status": {
        "running": N_("Đang đối chiếu"),
        "done": N_("Đã đối chiếu xong"),
        "failed": N_("Không đối chiếu được"),
    },
    # The counts of a reconciliation, in the order the seed reports them.
    "reconciliation_count": {
        "rows": N_("Số dòng nhận được"),
        "matched": N_("Khớp"),
        "no_id_number": N_("Thiếu số định danh"),
        "wrong_id_number": N_("Sai số định danh"),
        "wrong_details": N_("Sai thông tin"),
        "ambiguous": N_("Nhiều người trùng khớp"),
        "fixed": N_("Đã sửa"),
        "not_found": N_("Không tìm thấy"),
    },
    # What differs in a row: a field, or how its ID number differs from the resident's.
    "reconciliation_differs": {
        "full_name": N_("Họ và tên khác"),
        "date_of_birth": N_("Ngày sinh khác"),
        "sex": N_("Giới tính khác"),
        "one_digit": N_("Sai một chữ số"),
        "swapped_digits": N_("Đảo hai chữ số"),
        "old_number": N_("Số CMND cũ (9 số)"),
        "other_person": N_("Số của người khác"),
        "other": N_("Số không khớp"),
    },
    "reconciliation_decision": {
        "confirmed": N_("Đã xác nhận"),
        "follow_up": N_("Đã giao xác minh"),
    },
    # The weekly report (app/reports/summary.py): its sections and figures.
    "report_section": {
        "households": N_("Hộ gia đình"),
        "residents": N_("Công dân"),
        "id_cards": N_("Căn cước"),
        "not_collected": N_("Chưa thu nhận căn cước"),
        "eid": N_("Định danh điện tử (VNeID)"),
        "residence": N_("Theo diện cư trú"),
        "corrections": N_("Sai sót thông tin"),
        "cleaned": N_("Làm sạch dữ liệu"),
        "followups": N_("Việc quay lại"),
        "cards": N_("Thẻ căn cước cần cấp lại, đổi"),
    },
    "report_figure": {
        "households_total": N_("Hộ trong danh sách"),
        "households_checked": N_("Hộ đã rà soát trong kỳ"),
        "households_checked_total": N_("Hộ đã rà soát (lũy kế)"),
        "sites_checked": N_("— trong đó cơ sở (nhà trọ, ký túc xá, công ty) trong kỳ"),
        "sites_checked_total": N_("— trong đó cơ sở (lũy kế)"),
        "residents_required_permanent": N_("Thường trú: phải có căn cước"),
        "id_collected_total_permanent": N_("Thường trú: đã thu nhận hồ sơ"),
        "eid_level2_active_total_permanent": N_("Thường trú: đã kích hoạt VNeID mức 2"),
        "residents_required_temporary": N_("Tạm trú: phải có căn cước"),
        "id_collected_total_temporary": N_("Tạm trú: đã thu nhận hồ sơ"),
        "eid_level2_active_total_temporary": N_("Tạm trú: đã kích hoạt VNeID mức 2"),
        "residents_required_staying": N_("Lưu trú: phải có căn cước"),
        "id_collected_total_staying": N_("Lưu trú: đã thu nhận hồ sơ"),
        "eid_level2_active_total_staying": N_("Lưu trú: đã kích hoạt VNeID mức 2"),
        "residents_checked": N_("Công dân đã rà soát trong kỳ"),
        "residents_checked_total": N_("Công dân đã rà soát (lũy kế)"),
        "residents_required": N_("Công dân phải có căn cước"),
        "id_collected": N_("Thu nhận hồ sơ căn cước trong kỳ"),
        "id_issued": N_("Đã có thẻ căn cước trong kỳ"),
        "id_collected_total": N_("Đã thu nhận hồ sơ (lũy kế)"),
        "id_issued_total": N_("Đã có thẻ căn cước (lũy kế)"),
        "not_collected_total": N_("Chưa thu nhận hồ sơ"),
        "not_collected_away_working": N_("— do đi làm ăn xa"),
        "not_collected_unable_to_travel": N_("— do không đi lại được"),
        "not_collected_refused": N_("— do từ chối"),
        "not_collected_other": N_("— lý do khác"),
        "eid_level2_applied": N_("Đăng ký VNeID mức 2 trong kỳ"),
        "eid_level2_active": N_("Kích hoạt VNeID mức 2 trong kỳ"),
        "eid_level2_applied_total": N_("Đã đăng ký mức 2, chưa kích hoạt"),
        "eid_level2_active_total": N_("Đã kích hoạt VNeID mức 2 (lũy kế)"),
        "corrections_found": N_("Sai sót phát hiện trong kỳ"),
        "corrections_found_missing_information": N_("— thiếu thông tin"),
        "corrections_found_wrong_id_number": N_("— sai số định danh"),
        "corrections_found_duplicate_record": N_("— trùng hồ sơ"),
        "corrections_found_wrong_details": N_("— sai thông tin khác"),
        "corrections_fixed": N_("Sai sót đã sửa trong kỳ"),
        "corrections_fixed_missing_information": N_("— bổ sung thông tin thiếu"),
        "corrections_fixed_wrong_id_number": N_("— sửa số định danh"),
        "corrections_fixed_duplicate_record": N_("— xử lý trùng hồ sơ"),
        "corrections_fixed_wrong_details": N_("— sửa thông tin khác"),
        "corrections_found_total": N_("Sai sót đã phát hiện (lũy kế)"),
        "corrections_fixed_total": N_("Sai sót đã sửa (lũy kế)"),
        "records_matched": N_("Hồ sơ khớp đúng"),
        "records_fixed": N_("Hồ sơ đã sửa"),
        "followups_opened": N_("Việc quay lại phát sinh"),
        "followups_done": N_("Việc quay lại đã làm"),
        "followups_open": N_("Việc quay lại còn mở"),
        "followups_overdue": N_("Việc quay lại quá hạn"),
        "cards_to_reissue": N_("Thẻ cần cấp lại (mất, hỏng, hết hạn, sai thông tin)"),
        "renewals_due": N_("Thẻ đến hạn đổi (90 ngày tới hoặc quá hạn)"),
        # Columns of the per-officer table.
        "visits": N_("Lượt gõ cửa"),
        "households_completed": N_("Hộ đã hoàn thành"),
        "followups_done_on_time": N_("Việc quay lại đúng hạn"),
        "followups_done_late": N_("Việc quay lại trễ hạn"),
    },
}


def vietnamese(field: str, value: str | None) -> str:
    """Return a value's Vietnamese label (the msgid), or the value itself when it has none."""
    if value is None:
        return ""
    return LABELS.get(field, {}).get(value, value)


def label(field: str, value: str | None) -> str:
    """Return a value's label in the current language, or the value itself when it has none."""
    if value is None:
        return ""
    msgid = LABELS.get(field, {}).get(value)
    return gettext(msgid) if msgid is not None else value


@cache
def _english_catalogue() -> Translations:
    return Translations.load(str(TRANSLATIONS), ["en"])


def english(field: str, value: str | None) -> str:
    """Return a value's English label whatever the request's language (for texts kept in both)."""
    text = vietnamese(field, value)
    return _english_catalogue().gettext(text) if text else text


def choices(field: str) -> dict[str, str]:
    """Return every value of a field with its label in the current language, in order."""
    return {value: gettext(msgid) for value, msgid in LABELS[field].items()}


def catalogue() -> dict[str, dict[str, str]]:
    """Return every field's labels in the current language (what the phone receives)."""
    return {field: choices(field) for field in LABELS}


def in_sentence(text: str) -> str:
    """Lower a label's first letter to use it inside a sentence (an acronym stays)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]
