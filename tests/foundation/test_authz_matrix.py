"""Who may do what: every rule of the URL map x every role, inside and outside its unit.

EXPECTED is the table of answers, written down here and read by people: a row per (method,
URL rule), and per role either one status (the same inside and outside the unit) or a pair
(inside, outside). "login" means a redirect to /login (pages, for the anonymous caller).
The inside data and the users come from tests/foundation/test_scope_matrix.py (`inside`,
INSIDERS, OUTSIDERS): insiders of xã Nam Đông 20179 (the village head of Thôn 1), outsiders
of the same role elsewhere. The requests go to an app with CSRF protection on, and page forms
send the real token of the caller's session.

A route with no row fails `test_every_route_has_a_row`: a new endpoint needs its line here.
Which data an answer shows is the scope matrix's business; this one checks status codes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.people.models import Correction, Resident
from tests.foundation import test_scope_matrix as scope
from tests.foundation.test_scope_matrix import CASES, OUTSIDERS

inside = scope.inside  # the scope matrix's inside data, as a fixture of this module too

ROLES = ("anonymous", "village_head", "officer", "commander", "admin")
# The outsider of each role (the village head of the next hamlet, the others far away).
OUTSIDER_OF = {role: key for key, (role, _unit) in OUTSIDERS.items()}
LOGIN = "login"
SKIP_METHODS = {"HEAD", "OPTIONS"}


@dataclass
class Sample:
    """A concrete request for a URL rule: {placeholders} come from the inside data."""

    url: str
    body: Any = None
    page: bool = False
    headers: dict | None = None


def _json_samples() -> dict[tuple[str, str], Sample]:
    """The first scope-matrix case of each endpoint, as a sample request."""
    found: dict[tuple[str, str], Sample] = {}
    for case in CASES:
        key = (case.method, case.endpoint)
        if key not in found:
            found[key] = Sample(case.url, case.body, case.page, case.extra or None)
    return found


def _login_body(ids: dict) -> dict:
    return {"username": ids["users"]["officer"].username, "password": "secret-pass"}


# Endpoints the scope matrix leaves to other tests, by (method, endpoint).
OWN_SAMPLES = {
    ("GET", "static"): Sample("/static/icon.svg"),
    ("POST", "units.create_hamlet"): Sample(
        "/api/v1/units/20179/hamlets", lambda ids: {"name": f"Thôn {uuid.uuid4().hex[:8]}"}
    ),
    ("GET", "health.healthz"): Sample("/healthz"),
    ("GET", "api-docs.openapi_json"): Sample("/api/v1/openapi.json"),
    ("POST", "auth.token"): Sample("/api/v1/auth/token", _login_body),
    ("DELETE", "auth.revoke"): Sample("/api/v1/auth/token"),
    ("GET", "auth.me"): Sample("/api/v1/me"),
    ("GET", "auth_pages.index"): Sample("/", page=True),
    ("GET", "auth_pages.login"): Sample("/login", page=True),
    ("POST", "auth_pages.login"): Sample("/login", _login_body, page=True),
    ("POST", "auth_pages.logout"): Sample("/logout", {}, page=True),
    ("GET", "auth_pages.account"): Sample("/account", page=True),
    ("GET", "field.shell"): Sample("/app", page=True),
    ("GET", "field.service_worker"): Sample("/app/sw.js", page=True),
    ("GET", "field.manifest"): Sample("/app/manifest.webmanifest", page=True),
    ("GET", "field.strings"): Sample("/app/i18n/vi.json", page=True),
    ("GET", "imports.imports"): Sample("/admin/imports", page=True),
    ("POST", "imports.imports"): Sample("/admin/imports", {"commune": "20179"}, page=True),
    ("GET", "imports.import_report"): Sample("/admin/imports/nosuchreport/report.xlsx", page=True),
    ("GET", "field.outbox_import"): Sample("/admin/outbox-import", page=True),
    ("POST", "field.outbox_import"): Sample("/admin/outbox-import", {}, page=True),
    ("GET", "field_signin.page_session"): Sample("/app/session", page=True),
    ("POST", "field_signin.session_token"): Sample("/app/session-token", {}, page=True),
    ("GET", "password_pages.change_password"): Sample("/account/password", page=True),
    ("POST", "password_pages.change_password"): Sample("/account/password", {}, page=True),
    ("GET", "campaign_pages.new_campaign"): Sample("/campaigns/new", page=True),
    ("GET", "user_pages.new_user"): Sample("/admin/users/new", page=True),
    ("GET", "user_import_pages.import_users"): Sample("/admin/users/import", page=True),
    ("POST", "user_import_pages.import_users"): Sample("/admin/users/import", {}, page=True),
    ("POST", "user_import_pages.confirm_import"): Sample(
        "/admin/users/import/nosuchpreview-0123456789", {}, page=True
    ),
    ("GET", "user_import_pages.import_result"): Sample(
        "/admin/users/import/nosuchresult-0123456789/result.xlsx", page=True
    ),
    ("POST", "people.review_corrections"): Sample(
        "/api/v1/corrections/review",
        lambda ids: {"ids": [ids["correction"]], "versions": [1], "status": "verified"},
    ),
    ("GET", "correction_pages.corrections"): Sample("/corrections", page=True),
    ("GET", "correction_pages.correction"): Sample("/corrections/{correction}", page=True),
    ("POST", "correction_pages.decide"): Sample(
        "/corrections/{correction}", {"version": "1", "action": "verified"}, page=True
    ),
    ("POST", "correction_pages.review_many"): Sample("/corrections/review", {}, page=True),
    ("GET", "audit.list_entries"): Sample("/api/v1/audit"),
    ("GET", "audit_pages.audit"): Sample("/audit", page=True),
    ("GET", "audit_pages.audit_csv"): Sample("/audit.csv", page=True),
    ("GET", "schedule.get_schedule"): Sample("/api/v1/units/20179-001/schedule"),
    ("PATCH", "schedule.reschedule"): Sample(
        "/api/v1/households/{household}/scheduled-visit",
        {"date": "2099-01-01", "from": "08:00", "to": "08:30"},
    ),
    ("POST", "users.change_password"): Sample(
        "/api/v1/me/password", {"current_password": "wrong-pass", "new_password": "short"}
    ),
    # Uploads are multipart; a JSON body or an empty form is refused by the form's checks.
    ("POST", "reconciliations.create"): Sample("/api/v1/reconciliations", {}),
    ("POST", "reconcile_pages.create"): Sample("/reconciliations", {}, page=True),
}

IN_SCOPE = (200, 404)
EXPECTED: dict[tuple[str, str], dict[str, Any]] = {
    # Capture sessions: officers and up, in scope; results by the team and commanders.
    ("GET", "/api/v1/sessions/proposals"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": IN_SCOPE,
        "commander": IN_SCOPE,
        "admin": IN_SCOPE,
    },
    ("POST", "/api/v1/sessions"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (201, 404),
        "commander": (201, 404),
        "admin": (201, 404),
    },
    ("GET", "/api/v1/sessions"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/sessions/<int:session_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": IN_SCOPE,
        "commander": IN_SCOPE,
        "admin": IN_SCOPE,
    },
    ("PATCH", "/api/v1/sessions/<int:session_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": IN_SCOPE,
        "commander": IN_SCOPE,
        "admin": IN_SCOPE,
    },
    ("GET", "/sessions"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/sessions/new"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("POST", "/sessions/new"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (303, 404),
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("GET", "/sessions/<int:session_id>"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": IN_SCOPE,
        "commander": IN_SCOPE,
        "admin": IN_SCOPE,
    },
    ("GET", "/sessions/<int:session_id>/edit"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": IN_SCOPE,
        "commander": IN_SCOPE,
        "admin": IN_SCOPE,
    },
    ("POST", "/sessions/<int:session_id>/edit"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (303, 404),
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("GET", "/sessions/<int:session_id>/print"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": IN_SCOPE,
        "commander": IN_SCOPE,
        "admin": IN_SCOPE,
    },
    # The inside officer is on the session's team.
    ("POST", "/api/v1/sessions/<int:session_id>/results"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": IN_SCOPE,
        "commander": IN_SCOPE,
        "admin": 403,
    },
    # Sector lists matched against the residents: commanders and admins, in scope.
    ("POST", "/api/v1/reconciliations"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": 422,
        "admin": 422,
    },
    ("GET", "/api/v1/reconciliations/<int:reconciliation_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/reconciliations/<int:reconciliation_id>/rows"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("POST", "/api/v1/reconciliations/<int:reconciliation_id>/decisions"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/reconciliations/<int:reconciliation_id>/cleaned.xlsx"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/reconciliations/<int:reconciliation_id>/report.xlsx"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/reconciliations"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    ("POST", "/reconciliations"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 422,
        "admin": 422,
    },
    ("GET", "/reconciliations/<int:reconciliation_id>"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("POST", "/reconciliations/<int:reconciliation_id>/decisions"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    # The audit trail: the office only; what each one sees: tests/foundation/test_audit_api.py.
    ("GET", "/api/v1/audit"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/audit"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/audit.csv"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    # Corrections review pages: officers, commanders and admins, in scope.
    ("GET", "/corrections"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/corrections/<int:correction_id>"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    # Insiders go in turn on version 1: the officer (who found it) verifies it; for the next
    # ones the form is stale (409, the page shows the current record).
    ("POST", "/corrections/<int:correction_id>"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (303, 404),
        "commander": (409, 404),
        "admin": (409, 404),
    },
    # No correction ticked: refused by the form.
    ("POST", "/corrections/review"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 422,
        "commander": 422,
        "admin": 422,
    },
    # One result per id: outside, the item answers an error (404) inside a 200.
    ("POST", "/api/v1/corrections/review"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    # Campaign pages and the campaign edit (officers look; commanders and admins change).
    ("GET", "/campaigns"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/campaigns/new"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    ("POST", "/campaigns/new"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("GET", "/campaigns/<int:campaign_id>"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/campaigns/<int:campaign_id>/edit"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("POST", "/campaigns/<int:campaign_id>/edit"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("GET", "/campaigns/<int:campaign_id>/targets"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("POST", "/campaigns/<int:campaign_id>/targets"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("PATCH", "/api/v1/campaigns/<int:campaign_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("DELETE", "/api/v1/users/<int:user_id>/tokens"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (204, 404),
        "admin": (204, 404),
    },
    ("GET", "/account/password"): {
        "anonymous": LOGIN,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/users"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    # Outside: a unit outside the caller's is refused (403); the rules: test_people.py.
    ("POST", "/api/v1/users"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (201, 403),
        "admin": (201, 403),
    },
    ("GET", "/admin/users"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/admin/users/new"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    # Outside: enrolling in a unit outside the caller's is refused (403).
    ("POST", "/admin/users/new"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 403),
        "admin": (200, 403),
    },
    ("GET", "/admin/users/<int:user_id>"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/admin/users/<int:user_id>/edit"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("POST", "/admin/users/<int:user_id>/edit"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    # The answer shows the one-time password (200).
    ("POST", "/admin/users/<int:user_id>/password-reset"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("POST", "/admin/users/<int:user_id>/active"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("POST", "/admin/users/<int:user_id>/sessions/revoke"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("GET", "/admin/users/import"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    # No file sent: refused by the form; whose rows may be created: test_people_import.py.
    ("POST", "/admin/users/import"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 422,
        "admin": 422,
    },
    # No such preview, or no such result; whose they are: test_people_import.py.
    ("POST", "/admin/users/import/<token>"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 404,
        "admin": 404,
    },
    ("GET", "/admin/users/import/<token>/result.xlsx"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 404,
        "admin": 404,
    },
    ("GET", "/api/v1/users/<int:user_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/users/<int:user_id>/tokens"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    # Says whether a web session exists (and its CSRF token); anyone may ask.
    ("GET", "/app/session"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("PATCH", "/api/v1/users/<int:user_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    # An empty form is refused (422); the change itself: test_accounts.py.
    ("POST", "/account/password"): {
        "anonymous": LOGIN,
        "village_head": 422,
        "officer": 422,
        "commander": 422,
        "admin": 422,
    },
    # A wrong current password is refused (422); the change itself: test_accounts.py.
    ("POST", "/api/v1/me/password"): {
        "anonymous": 401,
        "village_head": 422,
        "officer": 422,
        "commander": 422,
        "admin": 422,
    },
    ("POST", "/api/v1/users/<int:user_id>/password-reset"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    # A token for the phone app from the web session: officers and village heads only.
    ("POST", "/app/session-token"): {
        "anonymous": 401,
        "village_head": 200,
        "officer": 200,
        "commander": 403,
        "admin": 403,
    },
    ("DELETE", "/api/v1/auth/token"): {
        "anonymous": 401,
        "village_head": 204,
        "officer": 204,
        "commander": 204,
        "admin": 204,
    },
    # Signed in: off to the role's home page.
    ("GET", "/"): {
        "anonymous": LOGIN,
        "village_head": 302,
        "officer": 302,
        "commander": 302,
        "admin": 302,
    },
    ("GET", "/account"): {
        "anonymous": LOGIN,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/admin/imports"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    # No such report; whose report it is: imports/test_pages.py.
    ("GET", "/admin/imports/<token>/report.xlsx"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 404,
        "admin": 404,
    },
    ("GET", "/admin/outbox-import"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/campaigns"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/campaigns/<int:campaign_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/campaigns/<int:campaign_id>/progress"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/corrections"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/coverage"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/exports/coverage.xlsx"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/reports/summary"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/exports/report.xlsx"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/reports"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/reports/print"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/exports/visits.csv"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/followups"): {
        "anonymous": 401,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/followups/<int:followup_id>"): {
        "anonymous": 401,
        "village_head": 404,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/followups/away"): {
        "anonymous": 401,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/followups/overdue-summary"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/households"): {
        "anonymous": 401,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/households/<int:household_id>"): {
        "anonymous": 401,
        "village_head": (200, 404),
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/me"): {
        "anonymous": 401,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/openapi.json"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/residents/<int:resident_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/returnees"): {
        "anonymous": 401,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/units/<code>"): {
        "anonymous": 401,
        "village_head": (200, 404),
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/units/<code>/children"): {
        "anonymous": 401,
        "village_head": 404,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/api/v1/visits"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/api/v1/visits/rejected"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/app"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/app/i18n/<lang>.json"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/app/manifest.webmanifest"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/app/sw.js"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("GET", "/dashboard"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/dashboard/overdue"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/hamlets/<code>/visit-list"): {
        "anonymous": LOGIN,
        "village_head": (200, 404),
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/hamlets/<code>/visit-list.xlsx"): {
        "anonymous": LOGIN,
        "village_head": (200, 404),
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/healthz"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    # Signed in: off to the role's home page.
    ("GET", "/login"): {
        "anonymous": 200,
        "village_head": 302,
        "officer": 302,
        "commander": 302,
        "admin": 302,
    },
    ("GET", "/maps/coverage"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("GET", "/static/<path:filename>"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    # Insiders go in turn: once the officer has verified it, a second resolution is a 409.
    ("PATCH", "/api/v1/corrections/<int:correction_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (409, 404),
        "admin": (409, 404),
    },
    # The officer inside is not the follow-up's assignee.
    ("PATCH", "/api/v1/followups/<int:followup_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (403, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("POST", "/api/v1/residents/<int:resident_id>/card-scan"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (201, 404),
        "commander": (201, 404),
        "admin": (201, 404),
    },
    ("PATCH", "/api/v1/residents/<int:resident_id>"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (200, 404),
    },
    # No file sent: refused by the form; whose commune may be imported: imports/test_pages.py.
    ("POST", "/admin/imports"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 422,
        "admin": 422,
    },
    ("POST", "/admin/outbox-import"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": 422,
        "admin": 422,
    },
    ("POST", "/api/v1/auth/token"): {
        "anonymous": 200,
        "village_head": 200,
        "officer": 200,
        "commander": 200,
        "admin": 200,
    },
    ("POST", "/api/v1/campaigns"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (201, 404),
        "admin": (201, 404),
    },
    # A hamlet's visit plan: its officer and commanders over it. The inside hamlet has no plan,
    # so reading it answers 404 and moving a household 422 (tests/schedule reads real plans).
    ("GET", "/api/v1/units/<code>/schedule"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 404,
        "commander": 404,
        "admin": 403,
    },
    ("POST", "/api/v1/units/<code>/schedule"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (201, 404),
        "commander": (201, 404),
        "admin": 403,
    },
    ("PATCH", "/api/v1/households/<int:household_id>/scheduled-visit"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (422, 404),
        "commander": (422, 404),
        "admin": 403,
    },
    # The planning page and the notices: the same people; outside the scope a 404 first.
    ("GET", "/hamlets/<code>/schedule"): {
        "anonymous": LOGIN,
        "village_head": (403, 404),
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (403, 404),
    },
    ("POST", "/hamlets/<code>/schedule"): {
        "anonymous": LOGIN,
        "village_head": (403, 404),
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (403, 404),
    },
    ("GET", "/hamlets/<code>/notices"): {
        "anonymous": LOGIN,
        "village_head": (403, 404),
        "officer": (200, 404),
        "commander": (200, 404),
        "admin": (403, 404),
    },
    ("POST", "/api/v1/households"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (201, 404),
        "commander": (201, 404),
        "admin": (201, 404),
    },
    ("POST", "/api/v1/returnees"): {
        "anonymous": 401,
        "village_head": (201, 404),
        "officer": (201, 404),
        "commander": (201, 404),
        "admin": (201, 404),
    },
    ("POST", "/api/v1/units/<code>/hamlets"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (201, 404),
        "admin": (201, 404),
    },
    ("POST", "/api/v1/visits"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": (201, 404),
        "commander": 403,
        "admin": 403,
    },
    # Outside: 200 with the item refused (404), checked item by item by the scope matrix.
    ("POST", "/api/v1/visits/batch"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 200,
        "commander": 403,
        "admin": 403,
    },
    ("POST", "/dashboard/overdue/<int:followup_id>/assignee"): {
        "anonymous": LOGIN,
        "village_head": 403,
        "officer": 403,
        "commander": (303, 404),
        "admin": (303, 404),
    },
    ("POST", "/login"): {
        "anonymous": 302,
        "village_head": 302,
        "officer": 302,
        "commander": 302,
        "admin": 302,
    },
    ("POST", "/logout"): {
        "anonymous": LOGIN,
        "village_head": LOGIN,
        "officer": LOGIN,
        "commander": LOGIN,
        "admin": LOGIN,
    },
    ("PUT", "/api/v1/campaigns/<int:campaign_id>/targets"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
    ("PUT", "/api/v1/users/<int:user_id>/hamlets"): {
        "anonymous": 401,
        "village_head": 403,
        "officer": 403,
        "commander": (200, 404),
        "admin": (200, 404),
    },
}


def _rules(app: Flask) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) for every rule of the URL map."""
    return sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - SKIP_METHODS
    )


def _csrf(client, signed_in: bool) -> str:
    """The CSRF token of the client's session, as any page's form carries it."""
    page = client.get("/account" if signed_in else "/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _send(app: Flask, sample: Sample, method: str, ids: dict, user, token_for) -> Any:
    """Send the sample as user (None: anonymous), by session for pages, by token for the API."""
    client = app.test_client()
    headers: dict[str, str] = {}
    username = user and user.username
    db.session.rollback()  # the test's own session holds no lock while the app writes
    if user is not None and sample.page:
        login = client.post(
            "/login",
            data={
                "username": username,
                "password": "secret-pass",
                "csrf_token": _csrf(client, False),
            },
        )
        assert login.status_code in (302, 303), login.get_data(as_text=True)[:300]
    elif user is not None:
        headers = token_for(user)
    for name, value in (sample.headers or {}).items():
        if value == "{version}":
            db.session.rollback()
            value = str(db.session.get(Resident, ids["resident"]).version)
        elif value == "{correction_version}":
            db.session.rollback()
            value = str(db.session.get(Correction, ids["correction"]).version)
        headers[name] = value
    body = sample.body(ids) if callable(sample.body) else sample.body
    url = sample.url.format(**ids)
    db.session.rollback()
    if sample.page and method == "POST":
        return client.open(
            url, method="POST", data={**body, "csrf_token": _csrf(client, user is not None)}
        )
    return client.open(url, method=method, json=body, headers=headers)


def _outcome(response) -> Any:
    if response.status_code in (302, 303) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    return response.status_code


def _observe(app, sample, method, ids, users, token_for) -> dict[str, Any]:
    """The answers for every role, outside first (a write inside must not change them)."""
    seen: dict[str, Any] = {}
    for role in ROLES:
        if role == "anonymous":
            seen[role] = _outcome(_send(app, sample, method, ids, None, token_for))
            continue
        outside = _outcome(_send(app, sample, method, ids, users[OUTSIDER_OF[role]], token_for))
        seen[role] = outside
        seen[role + ":out"] = outside
    for role in ROLES[1:]:
        inside_answer = _outcome(_send(app, sample, method, ids, ids["users"][role], token_for))
        out = seen.pop(role + ":out")
        seen[role] = inside_answer if inside_answer == out else (inside_answer, out)
    return seen


def _sample_for(method: str, endpoint: str) -> Sample | None:
    return OWN_SAMPLES.get((method, endpoint)) or _json_samples().get((method, endpoint))


@pytest.fixture
def csrf_app(make_app) -> Flask:
    """The app as served: CSRF protection on."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def outsiders(inside, make_user) -> dict:
    """One user of each role outside the inside data's units."""
    return {key: make_user(role, unit) for key, (role, unit) in OUTSIDERS.items()}


def _key_of(method: str, rule: str) -> str:
    return f"{method} {rule}"


def test_every_route_has_a_row(app):
    missing = [
        f"{method} {rule} ({endpoint})"
        for method, rule, endpoint in _rules(app)
        if (method, rule) not in EXPECTED
    ]
    assert not missing, (
        "routes with no row in EXPECTED of tests/foundation/test_authz_matrix.py "
        "(write down who may call them, inside and outside their unit): " + "; ".join(missing)
    )


def _params() -> list:
    return [pytest.param(key, id=_key_of(*key)) for key in EXPECTED]


@pytest.mark.parametrize("key", _params())
def test_route_answers_as_the_table_says(app, csrf_app, inside, outsiders, token_for, key):
    method, rule = key
    endpoint = {(m, r): e for m, r, e in _rules(app)}.get(key)
    assert endpoint is not None, f"{method} {rule} has a row but no route: remove the row"
    sample = _sample_for(method, endpoint)
    assert sample is not None, f"no sample request for {method} {endpoint}: add one to OWN_SAMPLES"
    seen = _observe(csrf_app, sample, method, inside, outsiders, token_for)
    expected = EXPECTED[key]
    wrong = {role: (expected[role], seen[role]) for role in ROLES if expected[role] != seen[role]}
    assert not wrong, f"{method} {rule}: role: (expected, answered) {wrong}"
