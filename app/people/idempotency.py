"""Idempotent submission: the canonical form of a body (a visit, a household), its hash, diffs."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _

from app.errors import ConflictError
from app.people.fields import Born


def canonical(value: Any) -> Any:
    """Turn a loaded (validated) body into plain JSON values, times in UTC."""
    if isinstance(value, Born):
        return value.text
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def body_hash(body: dict) -> str:
    """SHA-256 of the canonical JSON of a body (sorted keys, no spaces)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def differences(first: Any, second: Any, prefix: str = "") -> list[str]:
    """List the paths (`residents.0.eid`) where two canonical bodies differ."""
    if isinstance(first, dict) and isinstance(second, dict):
        out: list[str] = []
        for key in sorted(set(first) | set(second), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(differences(first.get(key), second.get(key), path))
        return out
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        out = []
        for index, (a, b) in enumerate(zip(first, second, strict=True)):
            out.extend(differences(a, b, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return [] if first == second else [prefix or "_schema"]


def changed_body(first: Any, second: Any) -> ConflictError:
    """The 409 for a client_id sent again with another body: which fields differ."""
    paths = differences(first, second) or ["_schema"]
    return ConflictError(
        _("Mã client_id này đã được gửi với nội dung khác: %(fields)s.", fields=", ".join(paths)),
        {path: [_("Khác với lần gửi đầu.")] for path in paths},
    )
