"""The suite's own clock: a run that crosses Vietnam's midnight (17:00 UTC) moves a test
module's TODAY, and the days the module counts from it, to the app's new day before each
test (tests/conftest.py)."""

from __future__ import annotations

import sys
import types
from datetime import timedelta

from app.clock import today_in_vietnam
from tests import conftest
from tests.conftest import pytest_runtest_setup


def _module(today):
    module = types.ModuleType("a_test_module")
    module.TODAY = today
    module.days_from = lambda day: {"DAY": day - timedelta(days=5), "WEEK": f"to={day}"}
    module.__dict__.update(module.days_from(today))
    return module


def test_a_module_of_yesterday_gets_today_and_its_days_from_it():
    today = today_in_vietnam()
    module = _module(today - timedelta(days=1))
    pytest_runtest_setup(types.SimpleNamespace(module=module))
    assert today == module.TODAY
    assert today - timedelta(days=5) == module.DAY
    assert f"to={today}" == module.WEEK


def test_a_module_of_today_is_left_as_it_is():
    today = today_in_vietnam()
    module = _module(today)
    module.DAY = "kept"  # not counted again: nothing changed
    pytest_runtest_setup(types.SimpleNamespace(module=module))
    assert today == module.TODAY and module.DAY == "kept"


def test_a_module_without_days_gets_today_only():
    today = today_in_vietnam()
    module = types.ModuleType("plain")
    module.TODAY = today - timedelta(days=1)
    pytest_runtest_setup(types.SimpleNamespace(module=module))
    assert today == module.TODAY


def test_every_loaded_test_module_moves_not_only_the_tests(monkeypatch):
    """A module's helpers may read another module's days (the campaign series borrows the
    as-of story): each loaded test module is moved."""
    today = today_in_vietnam()
    lender = _module(today - timedelta(days=1))
    monkeypatch.setitem(sys.modules, "tests.a_lending_module", lender)
    monkeypatch.setattr(conftest, "_moved_on", None)  # as when the day has just turned
    pytest_runtest_setup(types.SimpleNamespace(module=_module(today)))
    assert today == lender.TODAY
    assert today - timedelta(days=5) == lender.DAY
