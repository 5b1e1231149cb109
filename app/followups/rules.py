"""The follow-up rules, as one table: what a visit or a flag decides should happen next.

Each rule names its trigger, the follow-up kind it opens (None: no visit), the due offset in
days from the visit (or the flag's return date), the priority and the pool the assignee is
drawn from. The functions below the table are the pure decisions the service applies: age and
eligibility, time of day, which follow-ups a resident's state calls for or settles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.clock import to_vietnam, today_in_vietnam, vietnam_day
from app.labels import in_sentence, vietnamese
from app.people.models import Resident
from app.people.renewal import due_soon

URGENT, HIGH, NORMAL = 0, 1, 2
PRIORITY_NAMES = {URGENT: "urgent", HIGH: "high", NORMAL: "normal"}

# Assignee pools (app.followups.assignment draws from them).
HAMLET_OFFICER = "hamlet_officer"  # the hamlet's officer with fewest open, else the commune's
MOBILE_TEAM = "mobile_team"  # a mobile-team officer of the commune, else as hamlet_officer
COMMANDER = "commander"  # a commander of the commune, or nobody
VILLAGE_HEAD = "village_head"  # no follow-up: the person is listed for the village head


@dataclass(frozen=True)
class Rule:
    """One row of the table."""

    name: str
    trigger: str
    kind: str | None
    due_days: int | None
    priority: int
    pool: str
    reason: str  # Vietnamese, stored with the follow-up; formatted with the rule's details


RULES: tuple[Rule, ...] = (
    Rule("nobody_home", "outcome nobody_home (1st or 2nd failed try)",
         "revisit", 2, NORMAL, HAMLET_OFFICER,
         "Không có ai ở nhà (lần %(attempts)s); quay lại vào buổi %(time)s."),
    Rule("nobody_home_3", "outcome nobody_home, 3rd failed try or more",
         "revisit", 2, HIGH, HAMLET_OFFICER,
         "Không có ai ở nhà %(attempts)s lần; nhờ trưởng thôn hẹn giúp, quay lại vào buổi "
         "%(time)s."),
    Rule("away_working", "resident presence away_working (or away_other)",
         None, None, NORMAL, VILLAGE_HEAD,
         "Đi làm ăn xa: trưởng thôn báo khi người này về."),
    Rule("returnee", "a village head's returnee flag",
         "returnee_visit", 0, NORMAL, HAMLET_OFFICER,
         "Trưởng thôn báo %(name)s đã về (ngày %(returned)s)."),
    Rule("returnee_leaving", "a returnee flag, leaving again within 3 days of the due date",
         "returnee_visit", 0, URGENT, HAMLET_OFFICER,
         "Trưởng thôn báo %(name)s đã về (ngày %(returned)s), sẽ đi lại ngày %(leaving)s."),
    Rule("id_capture", "present, eligible, id_card not_collected",
         "id_capture", 7, NORMAL, HAMLET_OFFICER,
         "Chưa thu nhận hồ sơ cấp thẻ căn cước."),
    Rule("id_capture_at_home", "as id_capture, aged 70+ or unable to travel",
         "id_capture_at_home", 14, NORMAL, MOBILE_TEAM,
         "Chưa thu nhận hồ sơ căn cước; người cao tuổi hoặc không đi lại được: thu nhận tại nhà."),
    Rule("eid_support", "id_card issued, eid none or level1, has a smartphone",
         "eid_support", 7, NORMAL, HAMLET_OFFICER,
         "Có thẻ căn cước và điện thoại thông minh: hỗ trợ kích hoạt VNeID mức 2."),
    Rule("verify_documents", "a correction opened",
         "verify_documents", 7, NORMAL, HAMLET_OFFICER,
         "Đối chiếu giấy tờ để đính chính: %(fields)s."),
    Rule("location_check", "visit flagged far_from_household, outside_hamlet or no_location",
         "location_check", 3, NORMAL, COMMANDER,
         "Kiểm tra vị trí lượt thăm: %(flags)s."),
    Rule("reissue_card", "present, card_issue set (lost, damaged, expired, wrong_details)",
         "reissue_card", 14, NORMAL, HAMLET_OFFICER,
         "Thẻ căn cước có vấn đề (%(issue)s): hướng dẫn làm thủ tục cấp lại."),
    Rule("renew_card", "present, card_renewal_due within 90 days",
         "renew_card", 30, NORMAL, HAMLET_OFFICER,
         "Thẻ căn cước phải đổi trước ngày %(due)s: nhắc đi làm thủ tục đổi thẻ."),
    Rule("renew_card_overdue", "present, card_renewal_due passed",
         "renew_card", 7, HIGH, HAMLET_OFFICER,
         "Thẻ căn cước đã quá hạn đổi từ ngày %(due)s: nhắc đi đổi thẻ ngay."),
)  # fmt: skip
RULE = {rule.name: rule for rule in RULES}

# Thresholds of the table.
FAILED_TRIES_FOR_VILLAGE_HEAD = 3
LEAVING_SOON_DAYS = 3
AT_HOME_AGE = 70
LOCATION_FLAGS = ("far_from_household", "outside_hamlet", "no_location")
# Corrections that are reviews of the data, not papers the citizen must show.
NO_PAPERS_RULES = ("status_regression",)

# Kinds that one open follow-up of the family answers for a person (no duplicate either way).
FAMILY = {"id_capture_at_home": "id_capture"}
# Kinds about a person who must be at home; a person seen away, moved or dead cancels them.
NEEDS_PRESENT = ("id_capture", "id_capture_at_home", "eid_support", "reissue_card", "renew_card")
# Kinds a household that moved away cancels.
HOUSEHOLD_VISIT_KINDS = ("revisit", "returnee_visit", "id_capture", "id_capture_at_home",
                         "eid_support", "reissue_card", "renew_card")  # fmt: skip
# Kinds the card rules keep (a PATCH, an import or the daily renewals job re-reads them).
CARD_KINDS = ("reissue_card", "renew_card")

# Time of day in Vietnam, by the hour a slot starts; the next try prefers the first slot in
# PREFERRED_ORDER no failed try used (evening first: people are home from the fields).
SLOTS = (("morning", 5), ("midday", 11), ("afternoon", 14), ("evening", 17))
PREFERRED_ORDER = ("evening", "morning", "midday", "afternoon")
AWAY = ("away_working", "away_other")


def words(field: str, values: Iterable[str]) -> str:
    """Name machine values inside a stored reason (reasons are kept in Vietnamese)."""
    names = dict.fromkeys(in_sentence(vietnamese(field, value)) for value in values)
    return ", ".join(names)


def family(kind: str) -> str:
    """Return the key under which a kind counts as a duplicate."""
    return FAMILY.get(kind, kind)


def local_day(when: datetime) -> date:
    """Return the Vietnam calendar day of a moment."""
    return vietnam_day(when)


def time_slot(when: datetime) -> str:
    """Return the time of day (morning, midday, afternoon, evening) of a moment in Vietnam."""
    hour = to_vietnam(when).hour
    if hour < SLOTS[0][1]:
        return "evening"  # 17:00 to 04:59
    return [name for name, start in SLOTS if hour >= start][-1]


def preferred_slot(failed: list[datetime]) -> str:
    """Choose a time of day no failed try used; if all were tried, the least tried."""
    used = [time_slot(when) for when in failed]
    for slot in PREFERRED_ORDER:
        if slot not in used:
            return slot
    return min(PREFERRED_ORDER, key=used.count)


def age_on(resident: Resident, on: date) -> int | None:
    """Return a resident's age in whole years on a day (a year alone: as of 31 December)."""
    if resident.birth_date is not None:
        born = resident.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if resident.birth_year is not None:
        return on.year - resident.birth_year
    return None


def is_eligible(resident: Resident, on: date, eligible_age: int) -> bool:
    """Tell whether a resident counts for the ID card, as coverage counts them.

    Present, confirmed, and old enough; a year of birth alone counts from 1 January of the
    year the age is reached; no birth data at all counts (the visit finds out).
    """
    if resident.presence != "present" or resident.pending:
        return False
    age = age_on(resident, on)
    return age is None or age >= eligible_age


def id_capture_rule(resident: Resident, on: date, eligible_age: int) -> Rule | None:
    """Return the id_capture rule a resident's state calls for, if any."""
    if resident.id_card != "not_collected" or not is_eligible(resident, on, eligible_age):
        return None
    age = age_on(resident, on)
    at_home = resident.unable_to_travel or (age is not None and age >= AT_HOME_AGE)
    return RULE["id_capture_at_home"] if at_home else RULE["id_capture"]


def wants_eid_support(resident: Resident) -> bool:
    """Tell whether a resident with an ID card and a smartphone still lacks VNeID level 2."""
    return (
        resident.presence == "present"
        and resident.id_card == "issued"
        and resident.eid in ("none", "level1")
        and resident.has_smartphone is True
    )


def settled_for_resident(kind: str, resident: Resident, on: date | None = None) -> str | None:
    """Return how a resident's state settles an open follow-up: done, cancelled or None.

    A card renewal is settled on `on` (today when not given) once no renewal is due within 90
    days: the card was renewed (a new issue date) or the data no longer calls for one."""
    if kind in ("id_capture", "id_capture_at_home") and resident.id_card in ("collected", "issued"):
        return "done"
    if kind == "eid_support" and resident.eid == "level2_active":
        return "done"
    if kind == "reissue_card" and resident.card_issue is None:
        return "done"
    if kind == "renew_card" and not due_soon(resident.card_renewal_due, on or today_in_vietnam()):
        return "done"
    if kind in NEEDS_PRESENT and resident.presence != "present":
        return "cancelled"
    return None


def reissue_rule(resident: Resident) -> Rule | None:
    """Return the reissue_card rule when a present, confirmed resident's card has a problem."""
    if resident.card_issue is None or resident.presence != "present" or resident.pending:
        return None
    return RULE["reissue_card"]


def renewal_rule(resident: Resident, on: date) -> Rule | None:
    """Return the renew_card rule (overdue: the urgent row) when a present, confirmed
    resident's card must be renewed within 90 days of `on`, or already should have been."""
    due = resident.card_renewal_due
    if not due_soon(due, on) or resident.presence != "present" or resident.pending:
        return None
    return RULE["renew_card_overdue"] if due < on else RULE["renew_card"]


def renewal_since(rule: Rule, renewal: date, on: date) -> date:
    """The day a renew_card's due offset counts from: the follow-up is due by the renewal date
    when that comes before `on` plus the rule's days; an overdue one counts from `on`."""
    if renewal < on:
        return on
    return min(on, renewal - timedelta(days=rule.due_days or 0))


def returnee_rule(due: date, leaving_on: date | None) -> Rule:
    """Return the returnee rule: urgent when the person leaves within 3 days of the due date."""
    if leaving_on is not None and leaving_on <= due + timedelta(days=LEAVING_SOON_DAYS):
        return RULE["returnee_leaving"]
    return RULE["returnee"]


def revisit_rule(failed_tries: int) -> Rule:
    """Return the revisit rule for a number of failed tries in a row."""
    if failed_tries >= FAILED_TRIES_FOR_VILLAGE_HEAD:
        return RULE["nobody_home_3"]
    return RULE["nobody_home"]
