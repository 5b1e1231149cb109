"""Followups API."""

from flask_smorest import Blueprint

blp = Blueprint("followups", __name__, description="followups")
