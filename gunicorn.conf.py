"""gunicorn's settings for serving the app (`make start`; bench/bench_http.py serves its app
and the bare limit with them too). The command line gives the rest: bind, workers, threads."""

from app.server import tune_gc


def post_worker_init(worker):
    """Each worker, its app loaded: the garbage collector's settings (app/server.py)."""
    tune_gc()
