"""`flask demo load`: the demo commune."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `demo` command group."""
