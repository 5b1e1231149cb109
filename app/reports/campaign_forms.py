"""Inputs of the campaign pages: the campaign form, targets typed in a table or pasted from a
spreadsheet, and the progress page's query string."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from app.errors import flatten_errors
from app.reports.performance import SORT_KEYS
from app.reports.schemas import CAMPAIGN_DATES, MAX_TARGET, CampaignIn
from app.schemas import BaseSchema
from app.text import fold
from app.units.models import Unit

MAX_PASTED_LINES = 5000
NUMBER = re.compile(r"^[0-9]{1,3}([.,\s][0-9]{3})*$|^[0-9]+$")


class CampaignListArgs(BaseSchema):
    """`/campaigns?page=`."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class ProgressArgs(BaseSchema):
    """`/campaigns/<id>?on=&sort=&dir=`: as of a day, the officers' table sorted by a column."""

    class Meta:
        unknown = EXCLUDE

    on = fields.Date(validate=CAMPAIGN_DATES)
    sort = fields.String(load_default="visits", validate=validate.OneOf(SORT_KEYS))
    dir = fields.String(load_default="desc", validate=validate.OneOf(("asc", "desc")))


def campaign_form(form: MultiDict, *, editing: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read the campaign form: (what was typed, to show again; the errors by field).

    The campaign's unit is read only when creating (it never changes)."""
    typed = {
        "name": form.get("name", ""),
        "unit": form.get("unit", ""),
        "starts_on": form.get("starts_on", ""),
        "ends_on": form.get("ends_on", ""),
        "metrics": form.getlist("metrics"),
        "show_ranking_to_officers": form.get("show_ranking_to_officers") == "1",
    }
    body = {key: value for key, value in typed.items() if value not in ("", None)}
    body["show_ranking_to_officers"] = typed["show_ranking_to_officers"]
    body.setdefault("metrics", [])
    if editing:
        body.pop("unit", None)
    try:
        data = CampaignIn(partial=("unit",) if editing else ()).load(body)
    except ValidationError as exc:
        return typed, {"errors": flatten_errors(exc.messages)}
    return typed, {"data": data}


def _whole_number(text: str) -> int | None:
    """A target as typed or pasted: 1200, 1.200, 1,200 or 1 200; None if it is no count."""
    text = text.strip().replace("\u00a0", " ")
    if not NUMBER.match(text):
        return None
    value = int(re.sub(r"[.,\s]", "", text))
    return value if value <= MAX_TARGET else None


def typed_targets(
    form: MultiDict, metrics: list[str], children: list[Unit]
) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """Read the table of targets (`t-<metric>-<unit code>`): the targets per metric and unit
    code (an empty cell means no target), and the cells that are no whole number."""
    out: dict[str, dict[str, int]] = {metric: {} for metric in metrics}
    errors: dict[str, str] = {}
    for metric in metrics:
        for child in children:
            name = f"t-{metric}-{child.code}"
            text = form.get(name, "").strip()
            if not text:
                continue
            value = _whole_number(text)
            if value is None:
                errors[name] = _("Phải là một số nguyên từ 0 đến %(max)s.", max=MAX_TARGET)
            else:
                out[metric][child.code] = value
    return out, errors


@dataclass
class Pasted:
    """What a pasted block gave: the targets by unit code and the lines refused, with why."""

    targets: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    header_skipped: bool = False


def _split(line: str) -> tuple[str, str]:
    """A line's unit and target: split at the last tab, else at the last run of spaces or a
    semicolon (a line typed by hand)."""
    for sep in ("\t", ";"):
        if sep in line:
            key, _sep, value = line.rstrip(sep + " ").rpartition(sep)
            return key.strip(), value.strip()
    parts = line.strip().rsplit(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (line.strip(), "")


def _unit_index(children: list[Unit]) -> dict[str, Unit]:
    """Each child unit by code and by folded name (a name shared by two units is left out)."""
    index: dict[str, Unit] = {}
    names: dict[str, list[Unit]] = {}
    for child in children:
        index[child.code] = child
        names.setdefault(fold(child.name), []).append(child)
    for name, units in names.items():
        if len(units) == 1 and name not in index:
            index[name] = units[0]
    return index


def parse_pasted(text: str, children: list[Unit]) -> Pasted:
    """Read lines "code<TAB>target" or "name<TAB>target" copied from a spreadsheet; every
    line that names no child unit, gives no whole number or repeats a unit is reported."""
    index = _unit_index(children)
    out = Pasted()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_PASTED_LINES:
        out.problems.append((0, "", _("Quá %(n)s dòng.", n=MAX_PASTED_LINES)))
        return out
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        key, value = _split(line)
        unit = index.get(key.strip()) or index.get(fold(key))
        target = _whole_number(value)
        if not seen and not out.problems and unit is None and target is None:
            out.header_skipped = True  # a header row such as "Mã<TAB>Chỉ tiêu"
            continue
        if unit is None:
            out.problems.append(
                (number, line, _("Không có đơn vị “%(key)s” trong chiến dịch.", key=key))
            )
        elif target is None:
            out.problems.append((number, line, _("Chỉ tiêu phải là một số nguyên không âm.")))
        elif unit.code in seen:
            out.problems.append(
                (
                    number,
                    line,
                    _("%(name)s đã có ở dòng %(line)s.", name=unit.name, line=seen[unit.code]),
                )
            )
        else:
            seen[unit.code] = number
            out.targets[unit.code] = target
    if not out.targets and not out.problems:
        out.problems.append((0, "", _("Không có dòng nào.")))
    return out
