"""How a serving process runs the app: its garbage collector's settings.

A request of the app allocates tens of thousands of objects (rows, ORM states, statements'
parameters), nearly all freed by reference counting; CPython's cyclic collector still runs
every 700 container allocations and, now and then, walks every object of the process (the
app's modules, mappers, compiled statements). In a batch of 500 visits that cost 0.2-0.4 s
of 2 s. A worker freezes what it holds once ready (`gc.freeze`: the collector no longer
walks it) and collects the young generation less often; garbage cycles are still collected.
gunicorn calls `tune_gc` once per worker (gunicorn.conf.py, `post_worker_init`).
"""

from __future__ import annotations

import gc

# Container allocations between collections of the young generation (CPython's default:
# 700), and collections of each generation between those of the next (10 and 10).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Freeze what the process holds now (its app, loaded) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
