"""Weight: the first load of /app with all its own assets is at most 150 KB as sent.

The server compresses (Flask-Compress, gzip) pages, scripts, styles, JSON and SVG; the test
asks for gzip like a phone's browser does and adds up the bytes of every response the first
load needs: the shell, everything it references, every module those import, and the service
worker with its whole precache list (which the worker downloads at once on the first visit).
"""

from __future__ import annotations

import gzip
import json
import re

LIMIT = 150 * 1024


def fetched_size(client, url: str) -> tuple[int, int]:
    """Bytes on the wire with gzip accepted, and bytes once decompressed."""
    answer = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200, url
    wire = answer.get_data()
    plain = gzip.decompress(wire) if answer.headers.get("Content-Encoding") == "gzip" else wire
    return len(wire), len(plain)


def first_load(client) -> set[str]:
    """Every URL the first visit to /app fetches."""
    html = client.get("/app").get_data(as_text=True)
    urls = {"/app", "/app/sw.js", *re.findall(r'(?:href|src)="(/[^"]+)"', html)}
    sw = client.get("/app/sw.js").get_data(as_text=True)
    urls |= set(json.loads(re.search(r"const ASSETS = (\[.*?\]);", sw, re.S).group(1)))
    pending = [u for u in urls if u.endswith(".js")]
    while pending:
        url = pending.pop()
        source = client.get(url).get_data(as_text=True)
        base = url.rsplit("/", 1)[0]
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', source):
            parts = f"{base}/{target}".split("/")
            resolved: list[str] = []
            for part in parts:
                if part == "..":
                    resolved.pop()
                elif part != ".":
                    resolved.append(part)
            found = "/".join(resolved)
            if found not in urls:
                urls.add(found)
                pending.append(found)
    return urls


def test_first_load_is_at_most_150_kb_compressed(client):
    urls = first_load(client)
    sizes = {url: fetched_size(client, url) for url in sorted(urls)}
    wire = sum(w for w, _ in sizes.values())
    plain = sum(p for _, p in sizes.values())
    report = "\n".join(f"{w:>7} {p:>7} {u}" for u, (w, p) in sizes.items())
    assert wire <= LIMIT, f"{wire} bytes on the wire ({plain} uncompressed):\n{report}"
    assert len(urls) > 15  # the shell, the styles and every module were counted


def test_the_server_compresses_what_the_app_loads(client):
    for url in ("/app", "/static/app/app.css", "/static/app/screens/visit.js", "/app/sw.js"):
        answer = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert answer.headers.get("Content-Encoding") == "gzip", url
