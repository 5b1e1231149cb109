"""Idempotent submission helpers, shared with households: see app/people/idempotency.py."""

from __future__ import annotations

from app.people.idempotency import body_hash, canonical, changed_body, differences

__all__ = ["body_hash", "canonical", "changed_body", "differences"]
