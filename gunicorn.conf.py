"""gunicorn's settings for serving the app (`make start`; bench/bench_http.py serves the app
and its bare limit with them too). The command line gives the rest: bind, workers, threads.

The workers' garbage collector: a request of the app allocates tens of thousands of objects
(rows, ORM states, statements' parameters), nearly all freed by reference counting, but
CPython's cyclic collector still runs every 700 container allocations and now and then walks
every object of the process (the app's modules, mappers, compiled statements): 0.2-0.4 s of
a 2 s batch of 500 visits. A worker freezes what it holds once ready (`gc.freeze`: the
collector no longer walks it) and collects the young generation every 50,000 allocations;
garbage cycles are still collected. This file imports nothing of the app, so that the bare
limit's workers stay bare.
"""

import gc

# Container allocations between collections of the young generation (CPython's default:
# 700), and collections of each generation between those of the next (10 and 10).
GC_THRESHOLDS = (50_000, 20, 100)


def post_worker_init(worker):
    """Each worker, its app loaded: freeze what it holds, collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
