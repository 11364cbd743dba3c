"""A local stand-in for the Overpass API, for offline tests of osmnx downloads.

Usage::

    response = overpass_json_from_osm(path, bbox=(lon0, lat0, lon1, lat1), keep=has_highway)
    with OverpassStub(response) as stub:
        monkeypatch.setattr(ox.settings, "overpass_url", stub.url)
        ...  # osmnx calls hit http://127.0.0.1:<port>/api
        stub.queries  # the Overpass QL queries received

The server answers ``GET <url>/status`` like Overpass (one free slot, so osmnx
does not pause) and ``POST <url>/interpreter`` with the JSON given (or built by a
callable from the query text). It binds 127.0.0.1 on a free port and runs in a
daemon thread until the ``with`` block ends.

To play a failing server, the response (or what the callable returns) can be a
:class:`Reply` (any status, body, content type, headers, and a delay before
answering), or a list of them served in turn, the last one repeated.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

STATUS_TEXT = (
    "Connected as: 2130706433\n"
    "Current time: 2026-01-01T00:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


@dataclass(frozen=True)
class Reply:
    """One scripted answer: HTTP status, body, content type, headers, delay in seconds."""

    status: int = 200
    body: str | dict[str, Any] = ""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Response = dict[str, Any] | Reply | list[Reply] | Callable[[str], dict[str, Any] | Reply]


class OverpassStub:
    """An Overpass-like HTTP server on 127.0.0.1 serving a fixed (or computed) JSON."""

    def __init__(self, response: Response) -> None:
        self.response = response
        self.queries: list[str] = []
        self.status_requests = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(
                self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/status"):
                    stub.status_requests += 1
                    self._send(200, STATUS_TEXT.encode(), "text/plain")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                query = form.get("data", [""])[0]
                if not self.path.rstrip("/").endswith("/interpreter"):
                    self._send(404, b"not found", "text/plain")
                    return
                stub.queries.append(query)
                reply = stub._reply(query)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                # the client may have given up waiting (a timeout being tested)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply.status, body.encode(), reply.content_type, reply.headers)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _reply(self, query: str) -> Reply:
        r = self.response
        if isinstance(r, list):
            return r[min(len(self.queries) - 1, len(r) - 1)]
        out = r(query) if callable(r) else r
        return out if isinstance(out, Reply) else Reply(body=out)

    @property
    def url(self) -> str:
        """The base URL to put in ``osmnx.settings.overpass_url``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api"

    def __enter__(self) -> OverpassStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def overpass_json_from_osm(
    path: str | Path,
    *,
    bbox: tuple[float, float, float, float],
    keep: Callable[[dict[str, str]], bool],
) -> dict[str, Any]:
    """Build an Overpass JSON response from an OSM file, as ``(...;>;);out;`` would.

    Parameters
    ----------
    path
        An OSM file pyosmium reads (``.osm.pbf``, ``.osm.bz2``).
    bbox
        ``(min lon, min lat, max lon, max lat)``: ways with a node inside, and
        tagged nodes inside, are returned.
    keep
        Predicate on an element's tags: which ways (and tagged nodes) to return.

    Returns
    -------
    dict
        ``{"version": 0.6, "generator": ..., "elements": [...]}`` with the kept
        nodes and ways, and every node the kept ways refer to (with its location).
    """
    import osmium

    x0, y0, x1, y1 = bbox

    def inside(lon: float, lat: float) -> bool:
        return x0 <= lon <= x1 and y0 <= lat <= y1

    located: dict[int, tuple[float, float, dict[str, str]]] = {}
    ways: list[dict[str, Any]] = []
    tagged: list[int] = []
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if obj.is_node():
            tags = {t.k: t.v for t in obj.tags}
            if tags and obj.location.valid() and inside(obj.location.lon, obj.location.lat):
                located[obj.id] = (obj.location.lon, obj.location.lat, tags)
                if keep(tags):
                    tagged.append(obj.id)
        elif obj.is_way():
            tags = {t.k: t.v for t in obj.tags}
            if not keep(tags):
                continue
            refs = [(n.ref, n.location) for n in obj.nodes if n.location.valid()]
            if not any(inside(loc.lon, loc.lat) for _, loc in refs):
                continue
            for ref, loc in refs:
                if ref not in located:
                    located[ref] = (loc.lon, loc.lat, {})
            ways.append({"type": "way", "id": obj.id, "nodes": [r for r, _ in refs], "tags": tags})
    wanted = set(tagged) | {r for w in ways for r in w["nodes"]}
    nodes = []
    for nid in sorted(wanted):
        lon, lat, tags = located[nid]
        el: dict[str, Any] = {"type": "node", "id": nid, "lat": lat, "lon": lon}
        if tags:
            el["tags"] = tags
        nodes.append(el)
    return {
        "version": 0.6,
        "generator": "seriana_gis test Overpass stub",
        "osm3s": {"copyright": "© OpenStreetMap contributors, ODbL 1.0"},
        "elements": [*nodes, *ways],
    }
