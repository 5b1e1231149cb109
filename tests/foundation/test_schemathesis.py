"""Hostile input from the API's own description: schemathesis, in-process, on a small dataset.

Every operation of /api/v1/openapi.json gets a few generated requests (valid and invalid),
sent with the token of a role the authorization matrix says may call it (the officer where
it can, else the commander or the admin). Each answer must not be a 5xx, must carry a status
code and a content type the description lists, and must match the documented schema.
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.foundation import test_scope_matrix as scope
from tests.foundation.test_authz_matrix import EXPECTED

inside = scope.inside

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Revoking the token would leave the rest of the run signed out.
LEFT_OUT = {("DELETE", "/api/v1/auth/token")}
# Generated requests per operation: a few in `make test`; a larger run by hand, with new
# draws each time (docs/SECURITY.md): API_FUZZ_EXAMPLES=40 API_FUZZ_RANDOM=1 pytest <this file>
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))
RANDOM = os.environ.get("API_FUZZ_RANDOM") == "1"


def _caller(method: str, path: str) -> str | None:
    """The first of officer, commander, admin that the authorization table lets in."""
    pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "<[^>]+>", re.escape(path)) + "$")
    rows = [row for (m, rule), row in EXPECTED.items() if m == method and pattern.match(rule)]
    if not rows:
        return None
    for role in ("officer", "commander", "admin"):
        answer = rows[0][role]
        inside_answer = answer[0] if isinstance(answer, tuple) else answer
        if isinstance(inside_answer, int) and inside_answer < 300:
            return role
    return None


def _run(operation, headers: dict) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_api_answers_hostile_input_as_documented(app, inside, token_for):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tokens = {role: token_for(inside["users"][role]) for role in ("officer", "commander", "admin")}
    failures, tried = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        if (method, operation.path) in LEFT_OUT:
            continue
        role = _caller(method, operation.path)
        # Compression is the server's business, not the description's: ask for none.
        headers = {**(tokens[role] if role else {}), "Accept-Encoding": "identity"}
        tried += 1
        try:
            _run(operation, headers)
        except (Exception, BaseExceptionGroup) as exc:  # report every operation, not the first
            failures.append(f"{method} {operation.path} as {role}: {str(exc)[:1500]}")
    assert tried > 30
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("GET", "/api/v1/households/{household_id}", "officer"),
        ("POST", "/api/v1/campaigns", "commander"),
        ("POST", "/api/v1/auth/token", "officer"),  # anyone; a token does no harm
        ("GET", "/api/v1/nothing-here", None),
    ],
)
def test_the_caller_comes_from_the_authorization_table(method, path, role):
    assert _caller(method, path) == role
