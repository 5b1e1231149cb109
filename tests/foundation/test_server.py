"""A serving worker's garbage collector (gunicorn.conf.py's hook)."""

from __future__ import annotations

import gc
import runpy
import weakref
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOOKS = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
GC_THRESHOLDS = HOOKS["GC_THRESHOLDS"]


class Node:
    """An object that can be part of a reference cycle."""

    other: Node | None = None


@pytest.fixture
def worker_gc():
    """gunicorn's hook run as a worker runs it once ready; the test process's settings back
    after."""
    before = gc.get_threshold()
    try:
        HOOKS["post_worker_init"](None)
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_a_worker_freezes_what_it_holds_and_collects_less_often(worker_gc):
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_freeze_count() > 0  # the app's modules and objects are not walked again


def test_a_worker_still_collects_garbage_cycles(worker_gc):
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    kept = [[] for _ in range(GC_THRESHOLDS[0] + 1)]  # alive: allocations enough for one
    assert gone() is None, f"no collection after {len(kept)} allocations"
