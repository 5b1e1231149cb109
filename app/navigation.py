"""The office's menu: the pages a signed-in user may open, in the order a commander uses them.

Each entry names a page endpoint and the roles that may open it; an endpoint the application
does not serve is left out, so the menu never links to a page that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

OFFICE = ("admin", "commander")
WITH_OFFICERS = ("admin", "commander", "officer")


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: object
    roles: tuple[str, ...]


MENU = (
    Entry("reports_pages.dashboard", _l("Tổng quan"), WITH_OFFICERS),
    Entry("reports_pages.overdue", _l("Quá hạn"), WITH_OFFICERS),
    Entry("reports_pages.coverage_map", _l("Bản đồ"), WITH_OFFICERS),
    Entry("campaign_pages.campaigns", _l("Chiến dịch"), WITH_OFFICERS),
    Entry("session_pages.sessions", _l("Buổi thu nhận"), WITH_OFFICERS),
    Entry("correction_pages.corrections", _l("Sai sót"), WITH_OFFICERS),
    Entry("report_pages.reports", _l("Báo cáo"), OFFICE),
    Entry("imports.imports", _l("Nhập dữ liệu"), OFFICE),
    Entry("reconcile_pages.reconciliations", _l("Đối chiếu danh sách"), OFFICE),
    Entry("user_pages.users", _l("Người dùng"), OFFICE),
    Entry("audit_pages.audit", _l("Nhật ký"), OFFICE),
    Entry("field.shell", _l("Ứng dụng"), ("officer", "village_head")),
)


def menu() -> list[dict[str, object]]:
    """The menu entries the signed-in user may open, the current one marked."""
    if not current_user.is_authenticated:
        return []
    served = current_app.view_functions
    return [
        {
            "url": url_for(entry.endpoint),
            "label": entry.label,
            "current": request.endpoint == entry.endpoint,
        }
        for entry in MENU
        if entry.endpoint in served and current_user.role in entry.roles
    ]


def init_app(app) -> None:
    """Give every template the menu."""
    app.jinja_env.globals["office_menu"] = menu
