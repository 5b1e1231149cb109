"""Every endpoint x every role: what lies outside a user's unit is invisible and unchangeable.

The data lies in Thôn 1 of xã Nam Đông (20179-001): household ZHO001 with two residents, a
visit with a correction (and its verify_documents follow-up), a returnee flag, a refused
submission, a campaign of the commune. Each case is one request about that data:

- the insider the endpoint is for gets a 2xx, so the request itself is well formed;
- each outsider (an admin of another province, a commander and an officer of another commune,
  the village head of the next hamlet) gets 403 or 404, or, for a list, a 2xx that mentions
  none of the data; a refused write leaves the audit trail as it was.

`test_every_endpoint_has_a_case` fails when an endpoint is added without a case here (or a
pointer to the test that covers it), so the matrix stays whole.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import func, select

from app.auth.models import AuditEntry, User
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction

INSIDERS = {
    "commander": ("commander", "20179"),
    "officer": ("officer", "20179"),
    "village_head": ("village_head", "20179-001"),
    "admin": ("admin", "46"),
}
OUTSIDERS = {
    "admin_01": ("admin", "01"),
    "commander_19777": ("commander", "19777"),
    "officer_19777": ("officer", "19777"),
    "village_head_002": ("village_head", "20179-002"),
}
# Text of the inside data that no outsider's answer may contain.
MARKERS = ("ZHO001", "Zeta", "ZNOTE", "ZCAMPAIGN", "0987650001", "20179-001")

# Endpoints that hold no unit-bound data, or whose scope is tested beside their feature.
ELSEWHERE = {
    "static": "files",
    "health.healthz": "no data",
    "api-docs.openapi_json": "no data",
    "auth.token": "the caller's own login",
    "auth.revoke": "the caller's own token",
    "auth.me": "the caller's own account",
    "auth_pages.index": "redirects by role",
    "auth_pages.login": "the login form",
    "auth_pages.logout": "the caller's own session",
    "auth_pages.account": "the caller's own account",
    "users.change_password": "the caller's own password",
    "password_pages.change_password": "the caller's own password",
    "field.shell": "the phone app's shell, no data",
    "field.service_worker": "no data",
    "field.manifest": "no data",
    "field.strings": "no data",
    "field_signin.page_session": "the caller's own session",
    "field_signin.session_token": "a token for the caller's own session",
    "imports.imports": "imports/test_pages.py::test_commune_outside_scope_or_missing_file",
    "imports.import_report": "imports/test_pages.py::test_report_belongs_to_its_uploader",
    "user_pages.new_user": "the empty form; enrolling outside: foundation/test_people_pages.py",
    "user_import_pages.import_users": "rows checked as the users API: test_people_import.py",
    "user_import_pages.confirm_import": "the uploader's own preview: test_people_import.py",
    "user_import_pages.import_result": "the uploader's own result: test_people_import.py",
    "field.outbox_import": ("field/test_outbox_import.py::test_officer_outside_the_importers_unit"),
    "schedule.get_schedule": "the inside hamlet has no plan: schedule/test_schedule_api.py",
    "schedule.reschedule": "needs a plan: schedule/test_schedule_api.py::test_rescheduling_needs",
    "reconciliations.create": "a multipart upload: reconcile/test_api.py::test_upload_scope",
    "reconcile_pages.create": "a multipart upload: reconcile/test_api.py::test_upload_scope",
}


@dataclass
class Case:
    """One request about the inside data, and the insider it is meant for."""

    endpoint: str
    method: str
    url: str
    insider: str
    body: Any = None
    kind: str = "object"  # object: 403/404 outside; list: no markers outside; batch: per item
    writes: bool = False
    page: bool = False  # a page: a session login; a POST sends a form
    binary: bool = False
    extra: dict = field(default_factory=dict)
    done: Any = None  # for a page's POST (answered 303 either way): did the insider's work?

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}"


def visit_body(ids: dict) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "household_id": ids["household"],
        "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "location": None,
        "location_missing_reason": "timeout",
        "outcome": "nobody_home",
    }


def campaign_form() -> dict:
    """The campaign page's form, as a commander fills it in."""
    return {
        "name": "ZCAMPAIGN đợt 2",
        "starts_on": (today_in_vietnam() - timedelta(days=5)).isoformat(),
        "ends_on": (today_in_vietnam() + timedelta(days=25)).isoformat(),
        "metrics": "households_visited",
    }


def schedule_body(_ids: dict) -> dict:
    """A visit plan of the inside hamlet from tomorrow on."""
    return {
        "days": [(today_in_vietnam() + timedelta(days=1)).isoformat()],
        "day_start": "07:30",
        "day_end": "17:00",
        "minutes_per_household": 30,
    }


def schedule_form(_ids: dict) -> dict:
    """The planning page's form: the week from tomorrow, every weekday."""
    first = today_in_vietnam() + timedelta(days=1)
    return {
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=6)).isoformat(),
        "weekdays": ["0", "1", "2", "3", "4", "5", "6"],
        "day_start": "07:30",
        "day_end": "17:00",
        "minutes_per_household": "30",
    }


def _correction_version(ids: dict) -> int:
    """The inside correction's current version, read in a transaction that ends at once."""
    db.session.rollback()
    version = db.session.get(Correction, ids["correction"]).version
    db.session.rollback()
    return version


def session_body(ids: dict) -> dict:
    return {
        "kind": "point",
        "date": (today_in_vietnam() + timedelta(days=2)).isoformat(),
        "hamlet_code": "20179-001",
        "team_ids": [ids["officer"]],
        "resident_ids": [ids["resident"]],
    }


def session_form(ids: dict) -> dict:
    return {
        **session_body(ids),
        "team_ids": [str(ids["officer"])],
        "resident_ids": [str(ids["resident"])],
    }


def session_results(ids: dict) -> dict:
    item = {"client_id": str(uuid.uuid4()), "resident_id": ids["resident"], "attended": False}
    return {"results": [item]}


SESSION_CASES = [
    Case(
        "sessions.proposals_list",
        "GET",
        "/api/v1/sessions/proposals?unit=20179",
        "commander",
    ),
    Case("sessions.proposals_list", "GET", "/api/v1/sessions/proposals", "officer", kind="list"),
    Case("sessions.create", "POST", "/api/v1/sessions", "commander", session_body, writes=True),
    Case("sessions.list_all", "GET", "/api/v1/sessions", "officer", kind="list"),
    Case("sessions.get_one", "GET", "/api/v1/sessions/{session}", "officer"),
    Case(
        "sessions.update",
        "PATCH",
        "/api/v1/sessions/{session}",
        "commander",
        {"note": "ZNOTE đã đổi"},
        writes=True,
    ),
    Case(
        "sessions.record_results",
        "POST",
        "/api/v1/sessions/{session}/results",
        "officer",
        session_results,
        writes=True,
    ),
    Case("session_pages.sessions", "GET", "/sessions", "officer", kind="list", page=True),
    Case("session_pages.new_session", "GET", "/sessions/new", "commander", kind="list", page=True),
    Case(
        "session_pages.new_session",
        "POST",
        "/sessions/new",
        "commander",
        session_form,
        writes=True,
        page=True,
    ),
    Case("session_pages.session", "GET", "/sessions/{session}", "officer", page=True),
    Case("session_pages.edit_session", "GET", "/sessions/{session}/edit", "officer", page=True),
    Case(
        "session_pages.edit_session",
        "POST",
        "/sessions/{session}/edit",
        "commander",
        session_form,
        writes=True,
        page=True,
    ),
    Case(
        "session_pages.print_list",
        "GET",
        "/sessions/{session}/print",
        "commander",
        writes=True,
        page=True,
    ),
]

CASES = [
    *SESSION_CASES,
    Case("units.get_unit", "GET", "/api/v1/units/20179-001", "commander"),
    Case("units.children", "GET", "/api/v1/units/20179/children", "commander"),
    Case(
        "units.create_hamlet",
        "POST",
        "/api/v1/units/20179/hamlets",
        "commander",
        {"name": "Thôn Mới", "kind": "thôn"},
        writes=True,
    ),
    Case("people.list_households", "GET", "/api/v1/households", "officer", kind="list"),
    # The audit trail: entries by the unit's users and about its objects carry the markers.
    Case("audit.list_entries", "GET", "/api/v1/audit?per_page=200", "commander", kind="list"),
    Case("audit_pages.audit", "GET", "/audit", "commander", kind="list", page=True),
    Case("audit_pages.audit_csv", "GET", "/audit.csv", "commander", kind="list", page=True),
    Case(
        "people.list_households",
        "GET",
        "/api/v1/households?hamlet=20179-001",
        "village_head",
        kind="list",
    ),
    Case("people.list_households", "GET", "/api/v1/households?q=thon%201", "officer", kind="list"),
    Case("people.get_household", "GET", "/api/v1/households/{household}", "village_head"),
    Case(
        "people.create_household",
        "POST",
        "/api/v1/households",
        "officer",
        {"hamlet_code": "20179-001", "address": "Thôn 1", "residents": [{"full_name": "Người"}]},
        writes=True,
    ),
    Case("people.get_resident", "GET", "/api/v1/residents/{resident}", "officer"),
    Case(
        "people.update_resident",
        "PATCH",
        "/api/v1/residents/{resident}",
        "officer",
        {"phone": "0912000111"},
        writes=True,
        extra={"If-Match": "{version}"},
    ),
    Case(
        "people.scan_card",
        "POST",
        "/api/v1/residents/{resident}/card-scan",
        "officer",
        lambda ids: {
            "client_id": f"scan-{uuid.uuid4().hex}",
            "qr": "046068000777||Zeta Quét|01011990|Nam|Thôn 1|01012021",
        },
        writes=True,
    ),
    Case("visits.submit", "POST", "/api/v1/visits", "officer", visit_body, writes=True),
    Case(
        "visits.submit_batch",
        "POST",
        "/api/v1/visits/batch",
        "officer",
        lambda ids: {"visits": [visit_body(ids)]},
        kind="batch",
        writes=True,
    ),
    Case("visits.list_visits", "GET", "/api/v1/visits", "commander", kind="list"),
    Case(
        "visits.list_visits", "GET", "/api/v1/visits?household={household}", "officer", kind="list"
    ),
    Case("visits.list_visits", "GET", "/api/v1/visits?flagged=1", "commander", kind="list"),
    Case("visits.list_rejected", "GET", "/api/v1/visits/rejected", "commander", kind="list"),
    Case("followups.list_followups", "GET", "/api/v1/followups", "commander", kind="list"),
    Case(
        "followups.list_followups",
        "GET",
        "/api/v1/followups?hamlet=20179-001&near=16.066,107.717",
        "officer",
        kind="list",
    ),
    Case("followups.get_followup", "GET", "/api/v1/followups/{followup}", "officer"),
    Case(
        "followups.update_followup",
        "PATCH",
        "/api/v1/followups/{followup}",
        "commander",
        lambda ids: {"due_date": (today_in_vietnam() + timedelta(days=3)).isoformat()},
        writes=True,
    ),
    Case("followups.away", "GET", "/api/v1/followups/away", "village_head", kind="list"),
    Case(
        "followups.away",
        "GET",
        "/api/v1/followups/away?hamlet=20179-001",
        "commander",
        kind="list",
    ),
    Case(
        "followups.overdue_summary",
        "GET",
        "/api/v1/followups/overdue-summary?unit=20179",
        "commander",
    ),
    Case(
        "followups.overdue_summary",
        "GET",
        "/api/v1/followups/overdue-summary",
        "commander",
        kind="list",
    ),
    Case(
        "followups.flag_returnee",
        "POST",
        "/api/v1/returnees",
        "village_head",
        lambda ids: {"resident_id": ids["resident"], "returned_on": today_in_vietnam().isoformat()},
        writes=True,
    ),
    Case("followups.list_returnees", "GET", "/api/v1/returnees", "village_head", kind="list"),
    Case(
        "followups.list_returnees",
        "GET",
        "/api/v1/returnees?hamlet=20179-001",
        "commander",
        kind="list",
    ),
    Case("people.list_corrections", "GET", "/api/v1/corrections", "officer", kind="list"),
    Case(
        "people.resolve_correction",
        "PATCH",
        "/api/v1/corrections/{correction}",
        "commander",
        {"status": "verified"},
        writes=True,
        extra={"If-Match": "{correction_version}"},
    ),
    Case(
        "people.review_corrections",
        "POST",
        "/api/v1/corrections/review",
        "commander",
        lambda ids: {
            "ids": [ids["correction"]],
            "versions": [_correction_version(ids)],
            "status": "verified",
        },
        kind="batch",
        writes=True,
    ),
    Case(
        "correction_pages.corrections", "GET", "/corrections", "commander", kind="list", page=True
    ),
    Case("correction_pages.correction", "GET", "/corrections/{correction}", "officer", page=True),
    Case(
        "correction_pages.decide",
        "POST",
        "/corrections/{correction}",
        "commander",
        lambda ids: {"version": str(_correction_version(ids)), "action": "verified"},
        writes=True,
        page=True,
        done=lambda ids: db.session.get(Correction, ids["correction"]).status == "verified",
    ),
    Case(
        "correction_pages.review_many",
        "POST",
        "/corrections/review",
        "commander",
        lambda ids: {
            "ids": f"{ids['correction']}:{_correction_version(ids)}",
            "action": "dismissed",
            "reason": "đúng rồi",
        },
        writes=True,
        page=True,
        done=lambda ids: db.session.get(Correction, ids["correction"]).status == "dismissed",
    ),
    Case("reports.get_coverage", "GET", "/api/v1/coverage?unit=20179", "commander"),
    Case("reports.get_coverage", "GET", "/api/v1/coverage?unit=20179-001", "officer"),
    Case("reports.get_coverage", "GET", "/api/v1/coverage", "commander", kind="list"),
    Case("reports.list_campaigns", "GET", "/api/v1/campaigns", "commander", kind="list"),
    Case(
        "reports.create_campaign",
        "POST",
        "/api/v1/campaigns",
        "commander",
        lambda ids: {
            "name": "Đợt 2",
            "starts_on": today_in_vietnam().isoformat(),
            "ends_on": (today_in_vietnam() + timedelta(days=30)).isoformat(),
            "unit": "20179",
            "metrics": ["households_visited"],
        },
        writes=True,
    ),
    Case("reports.get_campaign", "GET", "/api/v1/campaigns/{campaign}", "commander"),
    Case(
        "reports.update_campaign",
        "PATCH",
        "/api/v1/campaigns/{campaign}",
        "commander",
        {"name": "ZCAMPAIGN đổi tên"},
        writes=True,
    ),
    Case("reports.get_progress", "GET", "/api/v1/campaigns/{campaign}/progress", "admin"),
    Case(
        "reports.put_targets",
        "PUT",
        "/api/v1/campaigns/{campaign}/targets",
        "commander",
        {"spread": {"metric": "households_visited", "total": 100}},
        writes=True,
    ),
    Case(
        "reports.export_coverage",
        "GET",
        "/api/v1/exports/coverage.xlsx?unit=20179",
        "commander",
        binary=True,
    ),
    Case("reports.export_visits", "GET", "/api/v1/exports/visits.csv?unit=20179", "commander"),
    Case("reports.export_visits", "GET", "/api/v1/exports/visits.csv", "admin", kind="list"),
    Case("report_summary.get_summary", "GET", "/api/v1/reports/summary?unit=20179", "commander"),
    Case(
        "report_summary.export_report",
        "GET",
        "/api/v1/exports/report.xlsx?unit=20179",
        "commander",
        binary=True,
    ),
    Case("report_pages.reports", "GET", "/reports?unit=20179", "commander", page=True),
    Case("report_pages.print_report", "GET", "/reports/print?unit=20179", "admin", page=True),
    Case(
        "auth.assign_hamlets",
        "PUT",
        "/api/v1/users/{officer}/hamlets",
        "commander",
        {"hamlets": ["20179-001", "20179-002"]},
        writes=True,
    ),
    Case("users.list_users", "GET", "/api/v1/users", "commander", kind="list"),
    Case(
        "users.create_user",
        "POST",
        "/api/v1/users",
        "commander",
        lambda ids: {
            "username": f"cb{uuid.uuid4().hex[:10]}",
            "full_name": "Cán bộ Mới",
            "role": "officer",
            "unit_code": "20179",
            "hamlet_codes": ["20179-001"],
        },
        writes=True,
    ),
    Case("users.get_user", "GET", "/api/v1/users/{officer}", "commander"),
    Case(
        "users.update_user",
        "PATCH",
        "/api/v1/users/{officer}",
        "admin",
        {"full_name": "Cán bộ Zeta", "active": False},
        writes=True,
    ),
    Case("users.list_tokens", "GET", "/api/v1/users/{officer}/tokens", "commander"),
    Case(
        "users.revoke_tokens",
        "DELETE",
        "/api/v1/users/{officer}/tokens",
        "commander",
        writes=True,
    ),
    Case(
        "users.reset_password",
        "POST",
        "/api/v1/users/{officer}/password-reset",
        "commander",
        writes=True,
    ),
    Case("user_pages.users", "GET", "/admin/users", "commander", kind="list", page=True),
    Case(
        "user_pages.new_user",
        "POST",
        "/admin/users/new",
        "commander",
        lambda ids: {
            "username": f"cb{uuid.uuid4().hex[:10]}",
            "full_name": "Cán bộ Mới",
            "role": "officer",
            "unit_code": "20179",
            "hamlet_codes": "20179-001",
        },
        writes=True,
        page=True,
    ),
    Case("user_pages.user", "GET", "/admin/users/{officer}", "commander", page=True),
    Case("user_pages.edit_user", "GET", "/admin/users/{officer}/edit", "commander", page=True),
    Case(
        "user_pages.edit_user",
        "POST",
        "/admin/users/{officer}/edit",
        "commander",
        {"full_name": "Cán bộ Zeta", "role": "officer", "unit_code": "20179", "phone": ""},
        writes=True,
        page=True,
        done=lambda ids: db.session.get(User, ids["officer"]).full_name == "Cán bộ Zeta",
    ),
    Case(
        "user_pages.reset_password",
        "POST",
        "/admin/users/{officer}/password-reset",
        "commander",
        {},
        writes=True,
        page=True,
        done=lambda ids: db.session.get(User, ids["officer"]).must_change_password,
    ),
    Case(
        "user_pages.set_active",
        "POST",
        "/admin/users/{officer}/active",
        "commander",
        {"active": "0"},
        writes=True,
        page=True,
        done=lambda ids: not db.session.get(User, ids["officer"]).active,
    ),
    Case(
        "user_pages.revoke_sessions",
        "POST",
        "/admin/users/{officer}/sessions/revoke",
        "commander",
        {},
        writes=True,
        page=True,
    ),
    Case("reports_pages.dashboard", "GET", "/dashboard?unit=20179", "commander", page=True),
    Case("reports_pages.dashboard", "GET", "/dashboard", "commander", kind="list", page=True),
    Case(
        "reports_pages.coverage_map",
        "GET",
        "/maps/coverage?unit=20179",
        "commander",
        page=True,
    ),
    Case("campaign_pages.campaigns", "GET", "/campaigns", "commander", kind="list", page=True),
    Case("campaign_pages.progress", "GET", "/campaigns/{campaign}", "officer", page=True),
    Case(
        "campaign_pages.new_campaign",
        "POST",
        "/campaigns/new",
        "commander",
        lambda ids: {**campaign_form(), "unit": "20179"},
        writes=True,
        page=True,
    ),
    Case("campaign_pages.edit_campaign", "GET", "/campaigns/{campaign}/edit", "admin", page=True),
    Case(
        "campaign_pages.edit_campaign",
        "POST",
        "/campaigns/{campaign}/edit",
        "commander",
        lambda ids: campaign_form(),
        writes=True,
        page=True,
    ),
    Case("campaign_pages.targets", "GET", "/campaigns/{campaign}/targets", "commander", page=True),
    Case(
        "campaign_pages.targets",
        "POST",
        "/campaigns/{campaign}/targets",
        "commander",
        {"how": "spread", "metric": "households_visited", "total": "100"},
        writes=True,
        page=True,
    ),
    Case("imports.visit_list", "GET", "/hamlets/20179-001/visit-list", "village_head", page=True),
    Case("schedule_pages.schedule", "GET", "/hamlets/20179-001/schedule", "officer", page=True),
    Case(
        "schedule_pages.schedule",
        "POST",
        "/hamlets/20179-001/schedule",
        "commander",
        schedule_form,
        writes=True,
        page=True,
    ),
    Case("schedule_pages.notices", "GET", "/hamlets/20179-001/notices", "officer", page=True),
    Case(
        "schedule.plan_schedule",
        "POST",
        "/api/v1/units/20179-001/schedule",
        "officer",
        schedule_body,
        writes=True,
    ),
    Case("reports_pages.overdue", "GET", "/dashboard/overdue?unit=20179", "commander", page=True),
    Case(
        "reports_pages.reassign",
        "POST",
        "/dashboard/overdue/{followup}/assignee",
        "commander",
        lambda ids: {"assignee_id": str(ids["officer"]), "next": "/dashboard"},
        writes=True,
        page=True,
        done=lambda ids: db.session.get(Followup, ids["followup"]).assignee_id == ids["officer"],
    ),
    Case(
        "imports.visit_list_xlsx",
        "GET",
        "/hamlets/20179-001/visit-list.xlsx",
        "officer",
        page=True,
        binary=True,
    ),
    # A health-station list of xã Nam Đông (uploaded by the commander in `inside`).
    Case("reconciliations.get", "GET", "/api/v1/reconciliations/{reconciliation}", "commander"),
    Case(
        "reconciliations.rows",
        "GET",
        "/api/v1/reconciliations/{reconciliation}/rows?class=not_found",
        "admin",
    ),
    Case(
        "reconciliations.decide",
        "POST",
        "/api/v1/reconciliations/{reconciliation}/decisions",
        "commander",
        {"decisions": [], "min_score": 100},
        writes=True,
    ),
    Case(
        "reconciliations.cleaned",
        "GET",
        "/api/v1/reconciliations/{reconciliation}/cleaned.xlsx",
        "commander",
        binary=True,
    ),
    Case(
        "reconciliations.report",
        "GET",
        "/api/v1/reconciliations/{reconciliation}/report.xlsx",
        "admin",
        binary=True,
    ),
    Case(
        "reconcile_pages.reconciliations",
        "GET",
        "/reconciliations",
        "commander",
        kind="list",
        page=True,
    ),
    Case(
        "reconcile_pages.reconciliation",
        "GET",
        "/reconciliations/{reconciliation}",
        "commander",
        page=True,
    ),
    Case(
        "reconcile_pages.decide",
        "POST",
        "/reconciliations/{reconciliation}/decisions",
        "commander",
        {"min_score": "100"},
        writes=True,
        page=True,
    ),
]


@pytest.fixture
def inside(client, world, make_user, make_household, token_for) -> dict:
    """The inside data, made through the API as the field would make it; answer its ids."""
    users = {key: make_user(role, unit) for key, (role, unit) in INSIDERS.items()}
    from app.auth import service as auth_service

    auth_service.assign_hamlets(users["officer"], ["20179-001"])
    db.session.commit()
    household = make_household(
        "20179-001",
        code="ZHO001",
        residents=[
            {"full_name": "Hồ Văn Zeta"},
            {"full_name": "Lê Thị Zeta", "sex": "female", "relationship_to_head": "spouse"},
            {
                "full_name": "Hồ Văn Zeta Út",
                "date_of_birth": "1999-01-01",
                "relationship_to_head": "child",
            },
        ],
    )
    head, spouse, away = household.residents
    officer = token_for(users["officer"])
    body = {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "location": None,  # flagged no_location
        "location_missing_reason": "denied",
        "outcome": "met",
        "note": "ZNOTE",
        "residents": [
            {
                "resident_id": head.id,
                "presence": "present",
                "corrections": [{"field": "ethnicity", "proposed": "Cơ Tu"}],
            },
            {"resident_id": away.id, "presence": "away_working"},
        ],
    }
    answer = client.post("/api/v1/visits", json=body, headers=officer)
    assert answer.status_code == 201, answer.get_json()
    visit = answer.get_json()
    refused = {**body, "client_id": str(uuid.uuid4()), "visited_at": "2000-01-01T00:00:00Z"}
    assert client.post("/api/v1/visits", json=refused, headers=officer).status_code == 422
    flag = {
        "resident_id": spouse.id,
        "returned_on": today_in_vietnam().isoformat(),
        "phone": "0987650001",
    }
    answer = client.post("/api/v1/returnees", json=flag, headers=token_for(users["village_head"]))
    assert answer.status_code == 201, answer.get_json()
    campaign = {
        "name": "ZCAMPAIGN",
        "starts_on": (today_in_vietnam() - timedelta(days=5)).isoformat(),
        "ends_on": (today_in_vietnam() + timedelta(days=25)).isoformat(),
        "unit": "20179",
        "metrics": ["households_visited"],
    }
    answer = client.post("/api/v1/campaigns", json=campaign, headers=token_for(users["commander"]))
    assert answer.status_code == 201, answer.get_json()
    session = {
        "kind": "at_home",
        "date": (today_in_vietnam() + timedelta(days=1)).isoformat(),
        "hamlet_code": "20179-001",
        "team_ids": [users["officer"].id],
        "resident_ids": [head.id],
        "note": "ZNOTE",
    }
    answer = client.post("/api/v1/sessions", json=session, headers=token_for(users["commander"]))
    assert answer.status_code == 201, answer.get_json()
    session_id = answer.get_json()["id"]
    followup = db.session.scalar(
        select(Followup.id).where(Followup.household_id == household.id).order_by(Followup.id)
    )
    assert followup is not None
    db.session.get(Followup, followup).due_date = today_in_vietnam() - timedelta(days=2)  # overdue
    db.session.commit()
    sector_list = "Họ và tên,Năm sinh,Thôn\nHồ Văn Zeta,1968,Thôn 1\nAi Đó,1990,Thôn 1\n"
    uploaded = client.post(
        "/api/v1/reconciliations",
        headers=token_for(users["commander"]),
        data={
            "file": (io.BytesIO(sector_list.encode()), "ZHO001-tram-y-te.csv"),
            "sector": "health",
            "unit": "20179",
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    return {
        "users": users,
        "household": household.id,
        "resident": head.id,
        "correction": visit["corrections"][0]["id"],
        "followup": followup,
        "campaign": answer.get_json()["id"],
        "officer": users["officer"].id,
        "session": session_id,
        "reconciliation": uploaded.get_json()["id"],
    }


def _send(app: Flask, case: Case, ids: dict, user, token_for) -> Any:
    client = app.test_client()
    headers = {}
    if case.page:
        login = client.post("/login", data={"username": user.username, "password": "secret-pass"})
        assert login.status_code in (302, 303), login.status_code
    else:
        headers = token_for(user)
    for name, value in case.extra.items():
        if value == "{version}":
            db.session.rollback()
            from app.people.models import Resident

            value = str(db.session.get(Resident, ids["resident"]).version)
        elif value == "{correction_version}":
            db.session.rollback()
            value = str(db.session.get(Correction, ids["correction"]).version)
        headers[name] = value
    body = case.body(ids) if callable(case.body) else case.body
    url = case.url.format(**ids)
    if case.page and case.method == "POST":
        # The form's CSRF token, as any page's logout form carries it: refusals must come
        # from scope, not from a missing token.
        g.pop("csrf_token", None)  # the test's app context outlives requests; so does g
        page = client.get("/account").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return client.open(url, method="POST", data={**body, "csrf_token": token})
    return client.open(url, method=case.method, json=body, headers=headers)


def _audit_count() -> int:
    """Audit entries of changes, leaving out the kept copies of refused submissions and the
    outsider's own sign-in."""
    db.session.rollback()
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.object_type != "rejected_submissions",
            AuditEntry.action.not_in(("sign_in", "sign_in_failed")),
        )
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_outside_is_invisible_and_unchangeable(app, inside, make_user, token_for, case):
    for who, (role, unit) in OUTSIDERS.items():
        user = make_user(role, unit)
        before = _audit_count()
        response = _send(app, case, inside, user, token_for)
        status = response.status_code
        text = "" if case.binary else response.get_data(as_text=True)
        assert status != 500, (who, text[:300])
        if case.kind == "batch" and status == 200:
            [result] = response.get_json()["results"]
            assert result["code"] in (403, 404), (who, result)
        elif case.kind == "list" and status < 300:
            leaked = [m for m in MARKERS if m in text]
            assert not leaked, (who, leaked, text[:300])
        else:
            assert status in (403, 404), (who, status, text[:300])
        if case.writes:
            assert _audit_count() == before, (who, "a refused write left an audit entry")

    insider = inside["users"][case.insider]
    response = _send(app, case, inside, insider, token_for)
    done = 200 <= response.status_code < 300 or (case.page and response.status_code == 303)
    assert done, (case.insider, response.status_code, response.get_data(as_text=True)[:300])
    if case.kind == "batch":  # visits answer `created`, corrections reviewed `ok`
        first = response.get_json()["results"][0]
        assert first.get("status", first.get("result")) in ("created", "ok"), first
    if case.done is not None:
        db.session.rollback()
        assert case.done(inside), "the insider's request did not do its work"
    if case.kind == "list":  # the markers would be caught: the insider's answer shows them
        text = response.get_data(as_text=True)
        assert any(m in text for m in MARKERS), (case.insider, text[:300])


def test_every_endpoint_has_a_case(app):
    covered = {case.endpoint for case in CASES} | set(ELSEWHERE)
    missing = sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint not in covered
    )
    assert missing == [], f"add a scope case for {missing}"
