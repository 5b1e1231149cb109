"""Checks across the rows of a file: one household, one hamlet, one address, one head."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.imports.addresses import convert_old_address
from app.imports.columns import KIND_BY_FOLD, fast_fold
from app.imports.lookups import Known
from app.imports.rows import Row
from app.text import fold
from app.units.models import Unit


@dataclass
class Group:
    """The rows of one household code, with what they agree on."""

    code: str
    rows: list[Row]
    hamlet: Unit | None = None
    new_hamlet: str | None = None  # key into HamletResolver.new
    address: str | None = None
    location: tuple[float, float] | None = None
    kind: str | None = None  # a household kind, when a row says it
    site_name: str | None = None

    @property
    def bad(self) -> bool:
        """Tell whether any row of the household has an error."""
        return any(row.errors for row in self.rows)


def _rows_text(rows: list[Row]) -> str:
    return ", ".join(str(r.number) for r in rows[:10]) + ("…" if len(rows) > 10 else "")


class HamletResolver:
    """Find a row's hamlet by code or name; plan new ones when asked to create them."""

    def __init__(self, known: Known, header_kind: str | None, create: bool, commune: Unit):
        self.known = known
        self.kinds = [header_kind] if header_kind else list(KIND_BY_FOLD.values())
        self.header_kind = header_kind or "thôn"
        self.create = create
        self.commune = commune
        self.new: dict[str, tuple[str, str]] = {}  # folded name -> (name, kind)
        self._cache: dict[str, tuple[Unit | None, str | None]] = {}

    def _new_name(self, value: str) -> tuple[str, str]:
        folded = fold(value)
        for word, kind in KIND_BY_FOLD.items():
            if folded == word or folded.startswith(word + " "):
                return value[:1].upper() + value[1:], kind
        return f"{self.header_kind[:1].upper()}{self.header_kind[1:]} {value}", self.header_kind

    def resolve(self, value: str) -> tuple[Unit | None, str | None]:
        """Return (hamlet, None), (None, new-hamlet key) or (None, None) when unknown."""
        if value in self._cache:
            return self._cache[value]
        known = self.known
        unit = known.hamlets_by_code.get(value) or known.hamlets_by_name.get(fold(value))
        for kind in self.kinds:
            if unit is not None:
                break
            unit = known.hamlets_by_name.get(fold(f"{kind} {value}"))
        answer: tuple[Unit | None, str | None] = (unit, None)
        if unit is None and self.create:
            name, kind = self._new_name(value)
            key = fold(name)
            self.new.setdefault(key, (name, kind))
            answer = (None, key)
        self._cache[value] = answer
        return answer


def check_hamlets(group: Group, resolver: HamletResolver) -> None:
    """Resolve the household's hamlet; every row must name the same one."""
    first: Row | None = None
    for row in group.rows:
        value = row.values.get("hamlet")
        if not value:
            continue
        unit, new_key = resolver.resolve(value)
        if unit is None and new_key is None:
            row.error(
                _(
                    "Không có thôn '%(name)s' trong %(commune)s; tạo thôn trước hoặc chọn 'tạo thôn mới' (--create-hamlets).",  # noqa: E501
                    name=value,
                    commune=resolver.commune.name,
                )
            )
            continue
        if first is None:
            first, group.hamlet, group.new_hamlet = row, unit, new_key
            if new_key is not None:
                row.note(_("Thôn mới: %(name)s.", name=resolver.new[new_key][0]))
        elif (unit, new_key) != (group.hamlet, group.new_hamlet):
            row.error(
                _(
                    "Cùng số hộ %(code)s nhưng khác thôn với dòng %(row)s.",
                    code=group.code,
                    row=first.number,
                )
            )


def check_site(group: Group) -> None:
    """Agree on one household kind and one site name across the household's rows."""
    for key, header in (("kind", _("Loại hộ")), ("site_name", _("Tên cơ sở"))):
        first: Row | None = None
        for row in group.rows:
            value = row.values.get(key)
            if not value:
                continue
            if first is None:
                first = row
            elif fast_fold(value) != fast_fold(first.values[key]):
                row.error(
                    _(
                        "%(header)s khác với dòng %(row)s của cùng hộ.",
                        header=header,
                        row=first.number,
                    )
                )
        if first is not None:
            setattr(group, key, first.values[key])


def check_address(group: Group, commune: Unit) -> bool:
    """Agree on one address, converting an old one; answer whether it was converted."""
    first: Row | None = None
    for row in group.rows:
        address = row.values.get("address")
        if not address:
            continue
        if first is None:
            first = row
        elif address != first.values["address"] and fast_fold(address) != fast_fold(
            first.values["address"]
        ):
            row.error(_("Địa chỉ khác với dòng %(row)s của cùng hộ.", row=first.number))
    if first is None:
        return False
    address = first.values["address"]
    conversion = convert_old_address(address, commune.code)
    group.address = address
    if conversion is None:
        return False
    with_address = [r for r in group.rows if r.values.get("address")]
    if conversion.commune_code is None:
        for row in with_address:
            row.note(_("Địa chỉ ghi theo đơn vị hành chính cũ, không quy đổi được; giữ nguyên."))
        return False
    if conversion.commune_code != commune.code:
        for row in with_address:
            row.error(
                _(
                    "Địa chỉ thuộc %(name)s (mã %(code)s) theo đơn vị hành chính mới, không thuộc %(commune)s.",  # noqa: E501
                    name=conversion.commune_name,
                    code=conversion.commune_code,
                    commune=commune.name,
                )
            )
        return False
    group.address = conversion.new
    if len(conversion.new) > 300:
        first.error(_("Địa chỉ dài quá 300 ký tự."))
    for row in with_address:
        row.note(_("Địa chỉ cũ đã quy đổi thành: %(new)s.", new=conversion.new))
    return True


def check_location(group: Group) -> None:
    """Agree on one location for the household."""
    first: Row | None = None
    for row in group.rows:
        lat, lon = row.values.get("lat"), row.values.get("lon")
        if lat is None or lon is None:
            continue
        if first is None:
            first, group.location = row, (lat, lon)
        elif abs(lat - group.location[0]) > 1e-9 or abs(lon - group.location[1]) > 1e-9:
            row.error(_("Tọa độ khác với dòng %(row)s của cùng hộ.", row=first.number))


def check_head(group: Group, known: Known) -> None:
    """Ask for exactly one head: by relationship, or by the name in the 'Chủ hộ' column."""
    heads = []
    for row in group.rows:
        values = row.values
        relationship, head_name = values.get("relationship"), values.get("head_name")
        if relationship is None and head_name and fast_fold(head_name) == values.get("name_folded"):
            values["relationship"] = relationship = "head"
        if relationship == "head":
            heads.append(row)
    if len(heads) > 1:
        for row in heads:
            row.error(
                _(
                    "Hộ %(code)s có %(n)s chủ hộ (dòng %(rows)s).",
                    code=group.code,
                    n=len(heads),
                    rows=_rows_text(heads),
                )
            )
        return
    if not heads:
        existing = known.households.get(group.code)
        members = known.residents.get(existing.id, []) if existing is not None else []
        if existing is None:
            for row in group.rows:
                row.error(
                    _(
                        "Hộ %(code)s không có chủ hộ (cần một người có quan hệ 'Chủ hộ').",
                        code=group.code,
                    )
                )
        elif not any(m.relationship_to_head == "head" for m in members):
            # Already on file without a head: say so, but an update of it is still taken.
            for row in group.rows:
                row.note(_("Hộ %(code)s chưa có chủ hộ trên hệ thống.", code=group.code))
        return
    head = heads[0]
    for row in group.rows:
        head_name = row.values.get("head_name")
        if (
            head_name
            and head.values.get("name_folded")
            and fast_fold(head_name) != head.values["name_folded"]
        ):
            row.error(
                _(
                    "Cột Chủ hộ ghi '%(name)s' nhưng chủ hộ ở dòng %(row)s là '%(head)s'.",
                    name=head_name,
                    row=head.number,
                    head=head.values.get("full_name"),
                )
            )


def check_people(group: Group) -> None:
    """Refuse the same person twice in a household (same name and birth year, no ID)."""
    seen: dict[tuple, Row] = {}
    for row in group.rows:
        values = row.values
        if not values.get("name_folded") or values.get("id_number"):
            continue
        key = (values["name_folded"], values.get("birth_year"))
        if key in seen:
            row.error(
                _(
                    "Trùng người với dòng %(row)s (cùng họ tên và năm sinh, không có số định danh).",  # noqa: E501
                    row=seen[key].number,
                )
            )
        else:
            seen[key] = row
