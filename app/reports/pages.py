"""Commander pages: dashboard and maps."""

from flask import Blueprint

bp = Blueprint("reports_pages", __name__)
