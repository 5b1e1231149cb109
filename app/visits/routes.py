"""Visits API."""

from flask_smorest import Blueprint

blp = Blueprint("visits", __name__, description="visits")
