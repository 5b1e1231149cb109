// Labels of the API's machine values (docs/API.md); values never change, labels translate.
import { t } from "./i18n.js";

export const OUTCOME = {
  met: "Gặp được người trong hộ",
  nobody_home: "Không có ai ở nhà",
  refused: "Từ chối tiếp",
  household_moved: "Hộ đã chuyển đi",
};

export const PRESENCE = {
  present: "Có mặt",
  away_working: "Đi làm ăn xa",
  away_other: "Vắng vì lý do khác",
  moved: "Đã chuyển đi",
  deceased: "Đã mất",
};

export const ID_CARD = {
  not_collected: "Chưa thu nhận",
  collected: "Đã thu nhận hồ sơ",
  issued: "Đã có thẻ căn cước",
};

export const EID = {
  none: "Chưa có định danh điện tử",
  level1: "Định danh mức 1",
  level2_applied: "Đã đăng ký mức 2",
  level2_active: "Mức 2 đã kích hoạt",
};

export const SMARTPHONE = {
  "": "Chưa rõ",
  yes: "Có điện thoại thông minh",
  no: "Không có điện thoại thông minh",
};

export const SEX = { male: "Nam", female: "Nữ" };

export const CORRECTION_FIELD = {
  full_name: "Họ và tên",
  date_of_birth: "Ngày sinh",
  sex: "Giới tính",
  id_number: "Số định danh",
  birthplace: "Nơi sinh",
  ethnicity: "Dân tộc",
  address: "Địa chỉ",
  relationship: "Quan hệ với chủ hộ",
  duplicate_record: "Trùng hồ sơ",
  other: "Khác",
};

export const FOLLOWUP_KIND = {
  revisit: "Thăm lại",
  returnee_visit: "Người mới về",
  id_capture: "Thu nhận căn cước",
  id_capture_at_home: "Thu nhận căn cước tại nhà",
  eid_support: "Hỗ trợ định danh điện tử",
  verify_documents: "Kiểm tra giấy tờ",
  location_check: "Kiểm tra vị trí",
};

export const RELATIONSHIP = {
  head: "Chủ hộ",
  spouse: "Vợ/chồng",
  child: "Con",
  parent: "Cha/mẹ",
  grandchild: "Cháu",
  sibling: "Anh/chị/em",
  other: "Khác",
};

export const STATUS = {
  created: "Đã nhận",
  duplicate: "Đã nhận (gửi lại)",
  rejected: "Bị từ chối",
  pending: "Chờ gửi",
};

export function label(map, value) {
  return t(map[value] ?? String(value ?? ""));
}
