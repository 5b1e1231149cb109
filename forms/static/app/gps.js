// Position by itself: the form watches the position from the moment it opens and keeps the
// best fix (the smallest accuracy radius) until it is submitted. The officer never types
// coordinates; without a fix the visit says why (denied, unavailable, timeout).

const REASONS = { 1: "denied", 2: "unavailable", 3: "timeout" };
const WATCH = { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 };

export function supported() {
  return "geolocation" in navigator;
}

function toFix(pos) {
  return {
    lat: Number(pos.coords.latitude.toFixed(6)),
    lon: Number(pos.coords.longitude.toFixed(6)),
    accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
    at: pos.timestamp || Date.now(),
  };
}

// watch(onChange) -> {stop(), result()}; onChange({best, error}) after every reading.
export function watch(onChange, { initial = null } = {}) {
  let best = initial;
  let error = null;
  let id = null;
  const report = () => onChange?.({ best, error });
  if (!supported()) {
    error = "unavailable";
    queueMicrotask(report);
  } else {
    id = navigator.geolocation.watchPosition(
      (pos) => {
        const fix = toFix(pos);
        if (!best || fix.accuracy_m <= best.accuracy_m) best = fix;
        error = null;
        report();
      },
      (err) => {
        error = REASONS[err.code] || "unavailable";
        report();
      },
      WATCH,
    );
  }
  return {
    stop() {
      if (id !== null) navigator.geolocation.clearWatch(id);
      id = null;
    },
    // What the visit sends: the best fix, or null with the reason.
    result() {
      if (best) {
        return {
          location: { lat: best.lat, lon: best.lon, accuracy_m: best.accuracy_m },
          location_missing_reason: null,
        };
      }
      return { location: null, location_missing_reason: error || "timeout" };
    },
    best: () => best,
    error: () => error,
  };
}

// One quick reading for sorting lists (a recent cached one is fine).
export function here({ timeout = 8000 } = {}) {
  return new Promise((resolve) => {
    if (!supported()) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve(toFix(pos)),
      () => resolve(null),
      { enableHighAccuracy: false, maximumAge: 5 * 60_000, timeout },
    );
  });
}

// Metres between two {lat, lon} points (haversine; enough to order a walk).
export function distanceM(a, b) {
  if (!a || !b || a.lat == null || b.lat == null) return null;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(h));
}

export function formatDistance(m) {
  if (m == null) return "";
  return m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toFixed(1)} km`;
}
