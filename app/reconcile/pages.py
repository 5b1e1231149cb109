"""Reconciliation pages: /reconciliations (list and upload) and /reconciliations/<id>."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reconcile_pages", __name__)
