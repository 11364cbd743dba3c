"""Overpass faults, against a stand-in server on 127.0.0.1 (``tests/_overpass_stub.py``).

Every test runs the real ``seriana fetch tourism`` through osmnx; only the
server is scripted: busy (429), failing (5xx), slow (no answer within the
timeout), reporting a runtime error in a ``remark``, answering an HTML page or
cut-short JSON. The waits between attempts are set to 0 s.
"""

from __future__ import annotations

from pathlib import Path

import osmnx as ox
import pytest
from _overpass_stub import OverpassStub, Reply
from typer.testing import CliRunner

from seriana_gis.cli import app
from seriana_gis.sources import overpass

runner = CliRunner()

#: One museum in Gorle: a good answer.
GOOD = {
    "version": 0.6,
    "elements": [
        {"type": "node", "id": 1, "lat": 45.698, "lon": 9.713,
         "tags": {"tourism": "museum", "name": "Museo di prova"}},
    ],
}  # fmt: skip
RUNTIME_ERROR = {
    "version": 0.6,
    "elements": [],
    "remark": 'runtime error: Query timed out in "query" at line 4 after 26 seconds.',
}


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overpass, "BACKOFF_S", (0.0, 0.0, 0.0))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "gorle.yaml"
    cfg.write_text("name: x\nprovince: BG\nzones:\n  z:\n    municipalities: [Gorle]\n")
    return cfg


def _fetch(config: Path, url: str, cache: Path) -> tuple[int, str]:
    args = ["fetch", "tourism", "--config", str(config), "--cache", str(cache),
            "--overpass-url", url]  # fmt: skip
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def test_busy_and_failing_answers_are_tried_again_visibly(config: Path, tmp_path: Path) -> None:
    replies = [Reply(429, "rate limited", "text/plain"), Reply(504, "gateway timeout", "text/plain"),
               Reply(body=GOOD)]  # fmt: skip
    with OverpassStub(replies) as stub:  # type: ignore[arg-type]
        code, out = _fetch(config, stub.url, tmp_path / "cache")
    assert code == 0, out
    assert len(stub.queries) == 3
    assert "answered HTTP 429 Too Many Requests; trying again in 0 s (attempt 2 of 4)" in out
    assert "answered HTTP 504 Gateway Timeout; trying again in 0 s (attempt 3 of 4)" in out
    assert "tourism: 1 OSM features cached" in out


def test_a_server_that_keeps_failing_stops_after_a_bounded_number_of_tries(
    config: Path, tmp_path: Path
) -> None:
    with OverpassStub(Reply(503, "busy", "text/plain")) as stub:
        code, out = _fetch(config, stub.url, tmp_path / "cache")
    assert code == 2
    assert len(stub.queries) == overpass.ATTEMPTS == 4
    host = stub.url.split("//")[1].split("/")[0]
    assert f"the Overpass server at http://{host}/api/interpreter answered HTTP 503" in out
    assert "4 times" in out and "--overpass-url" in out and "wait a few minutes" in out
    assert not list((tmp_path / "cache").rglob("*.json"))  # nothing cached


def test_no_answer_within_the_timeout_is_tried_again(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ox.settings, "requests_timeout", 2)
    replies = [Reply(body=GOOD, delay=6), Reply(body=GOOD)]
    with OverpassStub(replies) as stub:  # type: ignore[arg-type]
        code, out = _fetch(config, stub.url, tmp_path / "cache")
    assert code == 0, out
    assert "answered no answer within 2 s; trying again" in out


def test_a_runtime_error_remark_is_shown_and_not_cached(config: Path, tmp_path: Path) -> None:
    with OverpassStub(RUNTIME_ERROR) as stub:
        code, out = _fetch(config, stub.url, tmp_path / "cache")
    assert code == 2
    assert 'runtime error: Query timed out in "query" at line 4 after 26 seconds.' in out
    assert "cannot download tourism features from OpenStreetMap" in out
    # the remark was not cached: the next run asks again, and a good answer is used
    with OverpassStub(GOOD) as stub:
        code, out = _fetch(config, stub.url, tmp_path / "cache")
    assert code == 0 and len(stub.queries) == 1, out


def test_an_informative_remark_is_shown_and_the_answer_kept(config: Path, tmp_path: Path) -> None:
    with OverpassStub({**GOOD, "remark": "area data are 2 hours old"}) as stub:
        code, out = _fetch(config, stub.url, tmp_path / "cache")
    assert code == 0, out
    assert "remarked: area data are 2 hours old" in out


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(200, "<!DOCTYPE html><html><body><p>Welcome to nginx</p></body></html>",
               "text/html"), "answered with an HTML page, not Overpass JSON (Welcome to nginx)"),
        (Reply(200, '{"version": 0.6, "elements": [{"type": "no'), "answered with malformed JSON"),
        (Reply(400, "<html><p><strong>Error</strong>: line 1: parse error</p></html>",
               "text/html"), "refused the query: HTTP 400 Bad Request: Error : line 1: parse error"),
    ],
)  # fmt: skip
def test_what_came_back_is_named(config: Path, tmp_path: Path, reply: Reply, expected: str) -> None:
    with OverpassStub(reply) as stub:
        code, out = _fetch(config, stub.url, tmp_path / "cache")
    assert code == 2 and expected in out, out
    assert len(stub.queries) == 1  # not tried again: another try would get the same


def test_a_bare_host_gets_a_scheme_suggested(config: Path, tmp_path: Path) -> None:
    code, out = _fetch(config, "overpass.kumi.systems/api", tmp_path / "cache")
    assert code == 2
    assert "Did you mean https://overpass.kumi.systems/api" in out
    result = runner.invoke(app, ["build", "--config", str(config), "--database",
                                 str(tmp_path / "x.gpkg"), "--overpass-url", "localhost:8080/api"])  # fmt: skip
    assert result.exit_code == 2 and "http://localhost:8080/api" in result.output
    assert not (tmp_path / "x.gpkg").exists()
