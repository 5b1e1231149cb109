"""Vietnam's extent: a coarse test that a point can lie in the country at all."""

from __future__ import annotations

# Vietnam with a margin: the mainland, and the Hoàng Sa and Trường Sa archipelagos, which
# are communes of their own (đặc khu). (south, north, west, east) in degrees.
VIETNAM_BOXES = (
    (7.5, 24.1, 101.6, 110.0),
    (15.5, 17.4, 110.8, 113.2),
    (6.0, 12.2, 110.8, 117.6),
)


def in_vietnam(lat: float, lon: float) -> bool:
    """Tell whether a point lies in or near Vietnam (a coarse box test)."""
    return any(s <= lat <= n and w <= lon <= e for s, n, w, e in VIETNAM_BOXES)
