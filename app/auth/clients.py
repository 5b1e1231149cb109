"""A short description of the device a token is issued to, from its User-Agent."""

from __future__ import annotations

import re

MAX_LENGTH = 120

# Checked in order: browsers that also say "Chrome" or "Safari" come first.
BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"(?:OPR|Opera)/(\d+)")),
    ("Cốc Cốc", re.compile(r"coc_coc_browser/(\d+)", re.I)),
    ("Samsung Internet", re.compile(r"SamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)(?:[\d.]*) (?:Mobile/\S+ )?Safari/")),
)
SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)
PRODUCT = re.compile(r"^([A-Za-z][\w.\-]*)(?:/([\w.\-]+))?")


def describe_client(user_agent: str | None) -> str | None:
    """Summarise a User-Agent as "Chrome 120 / Android"; None when there is none."""
    text = (user_agent or "").strip()
    if not text:
        return None
    browser = next(
        (f"{name} {m.group(1)}".strip() for name, rx in BROWSERS if (m := rx.search(text))),
        None,
    )
    system = next((name for name, rx in SYSTEMS if rx.search(text)), None)
    if browser is None:
        # A script or an app: its first product token ("python-requests 2.31").
        product = PRODUCT.match(text)
        if product is None:
            return text[:MAX_LENGTH]
        browser = " ".join(part for part in product.groups() if part)
    described = f"{browser} / {system}" if system else browser
    return described[:MAX_LENGTH]
