"""Admin pages for household lists."""

from flask import Blueprint

bp = Blueprint("people_pages", __name__)
