"""People API."""

from flask_smorest import Blueprint

blp = Blueprint("people", __name__, description="people")
