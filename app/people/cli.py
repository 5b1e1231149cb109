"""`flask households ...`."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `households` command group."""
