"""The officer's and village head's phone app (an offline-first shell)."""

from flask import Blueprint

bp = Blueprint("field", __name__)
