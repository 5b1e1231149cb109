"""Hypothesis: no input to the visit schema or endpoints makes a 500 (or an unexpected error)."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from app.visits.schemas import VisitIn

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _time(offset_minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=offset_minutes)).isoformat()


# Values near the edges of each field, mixed with anything at all.
edge_times = st.one_of(
    st.integers(min_value=-60 * 24 * 40, max_value=60).map(_time),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-13-01"]),
    json_values,
)
coords = st.one_of(
    st.floats(min_value=-200, max_value=200), st.floats(), st.integers(), st.text(max_size=5)
)
locations = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"lat": coords, "lon": coords},
        optional={"accuracy_m": st.one_of(st.floats(), st.integers(), st.booleans())},
    ),
    json_values,
)
corrections = st.lists(
    st.fixed_dictionaries(
        {"field": st.one_of(st.sampled_from(["full_name", "other", "sex"]), json_values)},
        optional={"proposed": json_values, "note": json_values},
    ),
    max_size=2,
)
seen = st.fixed_dictionaries(
    {"resident_id": st.one_of(st.integers(min_value=-5, max_value=2**40), json_values)},
    optional={
        "presence": st.one_of(st.sampled_from(["present", "moved", "gone"]), json_values),
        "id_card": st.one_of(st.sampled_from(["issued", "collected"]), json_values),
        "eid": st.one_of(st.sampled_from(["none", "level2_active"]), json_values),
        "has_smartphone": json_values,
        "corrections": st.one_of(corrections, json_values),
    },
)
new_resident = st.fixed_dictionaries(
    {"full_name": st.one_of(st.text(max_size=40), json_values)},
    optional={
        "date_of_birth": st.one_of(
            st.sampled_from(["1987", "1987-03-02", "2099", "1880", "0000", "1987-02-30"]),
            json_values,
        ),
        "sex": st.one_of(st.sampled_from(["male", "female"]), json_values),
        "id_number": st.one_of(
            st.from_regex(r"\A[0-9 .-]{10,16}\Z"), st.text(max_size=14), json_values
        ),
        "phone": json_values,
        "birthplace": json_values,
    },
)


def visit_bodies(household_ids: list[int], resident_ids: list[int]):
    """Visit-shaped bodies: every field either plausible or anything at all."""
    return st.fixed_dictionaries(
        {},
        optional={
            "client_id": st.one_of(st.uuids().map(str), st.text(max_size=70), json_values),
            "household_id": st.one_of(st.sampled_from(household_ids), json_values),
            "visited_at": edge_times,
            "location": locations,
            "location_missing_reason": st.one_of(
                st.sampled_from(["denied", "timeout"]), json_values
            ),
            "outcome": st.one_of(st.sampled_from(["met", "refused"]), json_values),
            "residents": st.one_of(
                st.lists(
                    st.one_of(
                        seen,
                        st.sampled_from(resident_ids).map(lambda i: {"resident_id": i}),
                    ),
                    max_size=3,
                ),
                json_values,
            ),
            "new_residents": st.one_of(st.lists(new_resident, max_size=2), json_values),
            "note": json_values,
            "extra": json_values,
        },
    )


@given(st.one_of(json_values, visit_bodies([1, 2], [1, 2, 3])))
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_schema_only_raises_validation_errors(app, body):
    with contextlib.suppress(ValidationError):
        VisitIn().load(body)


@pytest.fixture
def ids(household, make_household):
    other = make_household("19777-001")
    return (
        [household.id, other.id, 10**6],
        [r.id for r in household.residents] + [r.id for r in other.residents],
    )


@pytest.fixture
def fuzz_client(client, headers, ids):
    def send(url: str, body) -> None:
        # As a browser's JSON.stringify sends it: ASCII, a lone surrogate as "\\ud800".
        raw = json.dumps(body)
        response = client.post(url, data=raw, headers=headers, content_type="application/json")
        assert response.status_code < 500, (body, response.get_data(as_text=True))
        assert response.is_json
        answer = response.get_json()
        if response.status_code >= 400:
            assert set(answer) >= {"code", "message"}
        return answer

    return send


def test_visit_endpoint_never_500(fuzz_client, ids):
    households, residents = ids

    @given(st.one_of(visit_bodies(households, residents), json_values))
    @SETTINGS
    def run(body):
        fuzz_client("/api/v1/visits", body)

    run()


def test_mostly_valid_visits_never_500(fuzz_client, ids, household, real_followups):
    """Valid bodies with one field replaced by anything: the deep paths get exercised, the
    follow-up rules included."""
    head = household.residents[0].id

    @given(
        st.sampled_from(
            ["location", "residents", "new_residents", "visited_at", "outcome", "note"]
        ),
        st.one_of(
            json_values,
            st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3),
            locations,
            st.lists(seen, max_size=2),
            st.lists(new_resident, max_size=2),
            edge_times,
        ),
    )
    @SETTINGS
    def run(field, value):
        body = {
            "client_id": str(uuid.uuid4()),
            "household_id": household.id,
            "visited_at": _time(-60),
            "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 10},
            "outcome": "met",
            "residents": [{"resident_id": head, "eid": "level1"}],
            field: value,
        }
        fuzz_client("/api/v1/visits", body)

    run()


def test_batch_endpoint_never_500(fuzz_client, ids):
    households, residents = ids

    @given(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "visits": st.lists(
                        st.one_of(visit_bodies(households, residents), json_values), max_size=4
                    )
                }
            ),
            json_values,
        )
    )
    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    def run(body):
        answer = fuzz_client("/api/v1/visits/batch", body)
        if isinstance(body, dict) and "results" in answer:
            assert len(answer["results"]) == len(body["visits"])

    run()
