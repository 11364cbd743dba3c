"""Talking to an Overpass server: bounded retries, visible waits, errors that say what to do.

osmnx sends every OpenStreetMap query through one function,
``osmnx._overpass._overpass_request``, which retries a 429 or 504 answer
forever, silently, 55 s apart, and turns an HTML page, malformed JSON or an
Overpass ``remark`` (a runtime error, a timeout on the server) into "no
features". :func:`overpass_request` replaces it while
:func:`seriana_gis.sources.osm.osm_settings` is in force (osmnx 2.x):

- a 429 (too many requests), a 5xx (server busy or failing) or no answer
  within the timeout is tried again :data:`ATTEMPTS` times in all, after
  :data:`BACKOFF_S` seconds (or the server's ``Retry-After``, up to
  :data:`MAX_WAIT_S`), with a warning each time; then
  :class:`OverpassError` names the server, the last answer and what to do;
- a ``remark`` reporting an error is shown as the server wrote it, and the
  answer is not cached (a partial answer would be reused offline);
- an HTML page or malformed JSON is reported as such, with the address used;
- answers are cached exactly as osmnx caches them, so ``seriana fetch`` once
  online keeps every later build offline.

:func:`check_overpass_url` refuses an address without ``http://`` or
``https://`` (requests would say "No connection adapters") and suggests one.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections import OrderedDict
from typing import Any

from .._errors import ConfigError, SourceUnavailableError

logger = logging.getLogger(__name__)

#: Attempts per query (the first and the retries).
ATTEMPTS = 4
#: Seconds to wait before the 2nd, 3rd, 4th attempt.
BACKOFF_S: tuple[float, ...] = (10.0, 30.0, 60.0)
#: The longest wait a server's ``Retry-After`` may ask for.
MAX_WAIT_S = 120.0
#: Another public Overpass server, suggested when the one used keeps failing.
OTHER_SERVER = "https://overpass.kumi.systems/api"


class OverpassError(SourceUnavailableError):
    """An Overpass server did not give a usable answer."""


def check_overpass_url(url: str) -> str:
    """The Overpass base address (``https://host/api``), checked.

    Parameters
    ----------
    url
        As given (``--overpass-url``); a trailing ``/interpreter`` is dropped,
        since osmnx adds it.

    Raises
    ------
    ConfigError
        No ``http://`` or ``https://`` (the message suggests the address with it),
        or no host.
    """
    text = url.strip()
    parsed = urllib.parse.urlparse(text)
    if parsed.scheme not in ("http", "https"):
        bare = text.split("://", 1)[-1]
        msg = (
            f"--overpass-url {url!r}: an Overpass address starts with http:// or https://. "
            f"Did you mean https://{bare} (or http://{bare} for a server on your network)?"
        )
        raise ConfigError(msg)
    if not parsed.netloc:
        msg = f"--overpass-url {url!r} has no host; give e.g. https://overpass-api.de/api."
        raise ConfigError(msg)
    text = text.rstrip("/")
    return text[: -len("/interpreter")] if text.endswith("/interpreter") else text


def _remark_is_error(remark: str) -> bool:
    r = remark.lower()
    return "error" in r or "timed out" in r or "out of memory" in r


def _wait(response: Any, attempt: int) -> float:
    """Seconds before the next attempt: the server's Retry-After, else the backoff."""
    backoff = BACKOFF_S[min(attempt - 1, len(BACKOFF_S) - 1)]
    retry_after = response.headers.get("Retry-After") if response is not None else None
    try:
        asked = float(retry_after) if retry_after is not None else None
    except ValueError:
        asked = None
    return min(max(asked, backoff) if asked is not None else backoff, MAX_WAIT_S)


def overpass_request(data: OrderedDict[str, Any]) -> dict[str, Any]:
    """Send one Overpass query (osmnx's settings: server, timeout, cache) and return its JSON.

    Parameters
    ----------
    data
        The POST form osmnx builds (``data`` holds the Overpass QL query).

    Returns
    -------
    dict
        The Overpass answer (from the cache when osmnx has it).

    Raises
    ------
    OverpassError
        After :data:`ATTEMPTS` answers 429 / 5xx / no answer, or at once for an
        error remark, an HTML page, malformed JSON or another HTTP error.
    """
    import requests
    from osmnx import _http, _overpass, settings

    base = settings.overpass_url.rstrip("/")
    url = base + "/interpreter"
    prepared = str(requests.Request("GET", url, params=data).prepare().url)
    cached = _http._retrieve_from_cache(prepared)
    if isinstance(cached, dict):
        return cached
    host = urllib.parse.urlparse(url).netloc or url
    timeout = settings.requests_timeout
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        if settings.overpass_rate_limit:
            time.sleep(_overpass._get_overpass_pause(base))
        logger.info(
            "asking the Overpass server %s (attempt %d of %d, waiting up to %g s for the answer)",
            host,
            attempt,
            ATTEMPTS,
            timeout,
        )
        response = None
        try:
            response = requests.post(
                url,
                data=data,
                timeout=timeout,
                headers=_http._get_http_headers(),
                **settings.requests_kwargs,
            )
        except requests.Timeout:
            problem = f"no answer within {timeout:g} s"
        except requests.RequestException as exc:
            msg = (
                f"cannot reach the Overpass server at {url} ({type(exc).__name__}: {exc}). "
                "Check the network and the address (--overpass-url), run `seriana fetch` once "
                "online, or use the embedded default (kind: embedded)."
            )
            raise OverpassError(msg) from None
        if response is not None:
            status = response.status_code
            if status == 429 or status >= 500:
                problem = f"HTTP {status} {response.reason}".strip()
            elif status >= 400:
                msg = (
                    f"the Overpass server at {url} refused the query: HTTP {status} "
                    f"{response.reason}: {_text(response)}. Check --overpass-url; if the "
                    "address is right, the server does not accept this query."
                )
                raise OverpassError(msg)
            else:
                answer = _parse(response, url)
                remark = str(answer.get("remark", "")).strip()
                if not remark:
                    _http._save_to_cache(prepared, answer, True)
                    return answer
                if not _remark_is_error(remark):
                    logger.warning("the Overpass server %s remarked: %s", host, remark)
                    _http._save_to_cache(prepared, answer, True)
                    return answer
                problem = f"a runtime error, in its own words: {remark!r}"
        if attempt < ATTEMPTS:
            wait = _wait(response, attempt)
            logger.warning(
                "the Overpass server %s answered %s; trying again in %g s (attempt %d of %d)",
                host,
                problem,
                wait,
                attempt + 1,
                ATTEMPTS,
            )
            time.sleep(wait)
    msg = (
        f"the Overpass server at {url} answered {problem} {ATTEMPTS} times; nothing was "
        "downloaded. It is busy or failing: wait a few minutes and run the command again, or "
        f"use another server with --overpass-url (for example {OTHER_SERVER})."
    )
    raise OverpassError(msg)


def _text(response: Any, limit: int = 200) -> str:
    """The start of a response's text, HTML tags removed, on one line."""
    import re

    text = re.sub(r"<[^>]+>", " ", response.text or "")
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")


def _parse(response: Any, url: str) -> dict[str, Any]:
    """The JSON of a 2xx answer, or an :class:`OverpassError` saying what came instead."""
    ctype = response.headers.get("Content-Type", "")
    body = response.text or ""
    if "html" in ctype.lower() or body.lstrip().lower().startswith(("<!doctype html", "<html")):
        msg = (
            f"{url} answered with an HTML page, not Overpass JSON ({_text(response)}). Is it an "
            "Overpass API address? They usually end in /api, e.g. https://overpass-api.de/api."
        )
        raise OverpassError(msg)
    try:
        answer = json.loads(body)
    except json.JSONDecodeError as exc:
        msg = (
            f"{url} answered with malformed JSON ({exc.msg} at character {exc.pos} of "
            f"{len(body):,}): the answer was cut short or is not from Overpass. Run the command "
            f"again; if it persists, use another server with --overpass-url (e.g. {OTHER_SERVER})."
        )
        raise OverpassError(msg) from None
    if not isinstance(answer, dict):
        msg = f"{url} answered JSON that is not an Overpass result ({type(answer).__name__})."
        raise OverpassError(msg)
    return answer
