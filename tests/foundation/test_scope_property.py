"""Property: every list and the coverage totals keep exactly what the one scope rule keeps.

Hypothesis draws unit trees (province > optional district > communes > hamlets), households
with visits, follow-ups, corrections and returnee flags spread over them (some without a
hamlet), and users at every level. The rule (`app.auth.scope`) is checked against a plain
walk up the tree, and each endpoint against the rule.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.auth import service as auth_service
from app.auth.models import User
from app.auth.scope import holds_row, holds_unit, scope_of, units_clause, user_scope
from app.extensions import db
from app.followups.models import Followup, Returnee
from app.people.models import Correction, Household, Resident
from app.units.models import Unit
from app.visits.models import Visit
from tests.conftest import _empty_tables
from tests.factories import _unit, api_get

ROLES_AT = {
    "province": ("admin", "commander"),
    "district": ("admin", "commander"),
    "commune": ("admin", "commander", "officer"),
    "hamlet": ("village_head",),
}
LISTS = {
    "households": (Household, ("admin", "commander", "officer", "village_head")),
    "visits": (Visit, ("admin", "commander", "officer")),
    "followups": (Followup, ("admin", "commander", "officer", "village_head")),
    "corrections": (Correction, ("admin", "commander", "officer")),
    "returnees": (Returnee, ("admin", "commander", "officer", "village_head")),
}
_codes = itertools.count(1)

# A province: whether it has a district, and its communes (under the district?, hamlets).
communes = st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=1, max_size=3)
trees = st.lists(communes, min_size=1, max_size=2)
# A household: where (an index into the places), and which rows hang on it.
households = st.lists(
    st.tuples(st.integers(0, 999), st.lists(st.booleans(), min_size=6, max_size=6)),
    max_size=10,
)


@dataclass
class Tree:
    """The units drawn, and the places a household may lie in."""

    units: list[Unit] = field(default_factory=list)
    places: list[tuple[Unit, Unit | None]] = field(default_factory=list)  # commune, hamlet


def build_tree(spec: list[list[tuple[bool, int]]]) -> Tree:
    """Create the units of a drawn tree."""
    tree = Tree()
    for p, communes_spec in enumerate(spec):  # codes the API's unit-code format accepts
        province = _unit(f"{90 + p}", f"Tỉnh {p}", "province", None)
        district = None
        if any(under for under, _ in communes_spec):
            district = _unit(f"{900 + p}", f"Huyện {p}", "district", province)
        tree.units += [u for u in (province, district) if u is not None]
        for i, (under, hamlets) in enumerate(communes_spec):
            code = f"{90 + p}{i:03d}"
            commune = _unit(code, f"Xã {code}", "commune", district if under else province)
            tree.units.append(commune)
            tree.places.append((commune, None))
            for j in range(hamlets):
                hamlet = _unit(f"{code}-{j:03d}", f"Thôn {j}", "hamlet", commune)
                tree.units.append(hamlet)
                tree.places.append((commune, hamlet))
    db.session.flush()
    return tree


def _placed(model: type, commune: Unit, hamlet: Unit | None, **kw: Any) -> Any:
    row = model(
        commune_id=commune.id,
        hamlet_id=hamlet.id if hamlet else None,
        province_id=commune.province_id,
        **kw,
    )
    db.session.add(row)
    return row


def fill(tree: Tree, spec: list[tuple[int, list[bool]]], author: User) -> None:
    """Create households and the rows that hang on them."""
    now = datetime.now(UTC)
    for k, (where, (visit, followup, correction, returnee, open_, for_head)) in enumerate(spec):
        commune, hamlet = tree.places[where % len(tree.places)]
        home = _placed(Household, commune, hamlet, code=f"H{k}", address="x", search_text="x")
        db.session.flush()
        _placed(Resident, commune, hamlet, household_id=home.id, full_name="A", name_folded="a")
        if visit:
            _placed(
                Visit, commune, hamlet, client_id=str(uuid.uuid4()), body_hash="0",
                household_id=home.id, officer_id=author.id, visited_at=now, outcome="met", body={},
            )  # fmt: skip
        if followup:
            _placed(
                Followup, commune, hamlet, kind="id_capture", household_id=home.id,
                due_date=date.today() + timedelta(days=3), needs_village_head=for_head,
                status="open" if open_ else "done",
            )  # fmt: skip
        if correction:
            _placed(
                Correction, commune, hamlet, household_id=home.id, field="phone",
                status="open" if open_ else "fixed",
            )  # fmt: skip
        if returnee:
            _placed(
                Returnee, commune, hamlet, household_id=home.id, full_name="B",
                returned_on=date.today(), flagged_by_id=author.id,
            )  # fmt: skip
    db.session.flush()


def oracle(user: User, unit_id: int | None, parents: dict[int, int | None]) -> bool:
    """Whether a unit id lies at or below the user's unit, by walking up the tree."""
    if user.role == "village_head":
        return unit_id == user.unit_id
    while unit_id is not None:
        if unit_id == user.unit_id:
            return True
        unit_id = parents[unit_id]
    return False


def check_rule(user: User, tree: Tree) -> None:
    """The rule agrees with a walk up the tree, on units (Python and SQL) and on rows."""
    parents = {u.id: u.parent_id for u in tree.units}
    scope = user_scope(user)
    in_sql = set(db.session.scalars(select(Unit.id).where(units_clause(scope))))
    for unit in tree.units:
        expected = oracle(user, unit.id, parents)
        assert holds_unit(scope, unit) is expected, (user.role, user.unit.code, unit.code)
        assert (unit.id in in_sql) is expected, (user.role, user.unit.code, unit.code)
    for model, _roles in LISTS.values():
        for row in db.session.scalars(select(model)):
            place = (
                row.hamlet_id if user.role == "village_head" else row.hamlet_id or row.commune_id
            )
            assert holds_row(scope, row) is oracle(user, place, parents), (model, row.id)


def check_lists(client: Any, user: User, headers: dict) -> None:
    """Every list answers exactly the rows the rule keeps."""
    scope = user_scope(user)
    for name, (model, roles) in LISTS.items():
        if user.role not in roles:
            continue
        rows = [r for r in db.session.scalars(select(model)) if holds_row(scope, r)]
        if name == "followups" and user.role == "village_head":
            rows = [r for r in rows if r.needs_village_head]
        status, body = api_get(client, f"/api/v1/{name}?per_page=200", headers)
        assert status == 200, (name, body)
        got = {item["id"] for item in body["items"]}
        assert got == {r.id for r in rows}, (name, user.role, user.unit.code)
        assert body["total"] == len(rows)


def check_coverage(client: Any, user: User, headers: dict, unit: Unit) -> None:
    """Coverage of a unit counts the rows inside both the unit and the user's scope."""
    if user.role == "village_head":
        return
    status, body = api_get(client, f"/api/v1/coverage?unit={unit.code}", headers)
    if not holds_unit(user_scope(user), unit):
        assert status == 404, body
        return
    assert status == 200, body
    mine, there = user_scope(user), scope_of(unit)

    def count(model: type, **where: Any) -> int:
        return sum(
            1
            for r in db.session.scalars(select(model).filter_by(**where))
            if holds_row(mine, r) and holds_row(there, r)
        )

    totals = body["totals"]
    assert totals["households_total"] == count(Household)
    assert totals["corrections_open"] == count(Correction, status="open")
    assert totals["followups_open"] == count(Followup, status="open")


@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a shrink of such examples is slow
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree_spec=trees, household_spec=households, data=st.data())
def test_every_list_and_total_follows_the_scope_rule(
    app, client, tree_spec, household_spec, data
) -> None:
    _empty_tables()
    tree = build_tree(tree_spec)
    users = []
    for unit in tree.units:
        role = data.draw(st.sampled_from(ROLES_AT[unit.level]), label=unit.code)
        users.append(
            auth_service.create_user(
                username=f"u{next(_codes)}", password="secret-pass", role=role, unit_code=unit.code
            )
        )
    fill(tree, household_spec, users[0])
    db.session.commit()
    for user in data.draw(st.lists(st.sampled_from(users), min_size=1, max_size=4, unique=True)):
        raw, _token = auth_service.issue_token(user)
        db.session.commit()
        headers = {"Authorization": f"Bearer {raw}"}
        check_rule(user, tree)
        check_lists(client, user, headers)
        check_coverage(client, user, headers, user.unit)
        check_coverage(client, user, headers, data.draw(st.sampled_from(tree.units)))
