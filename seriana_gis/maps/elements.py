"""Folium elements of an offline map: assets, data, layers, controls.

:func:`offline_map` returns a :class:`folium.Map` whose page loads nothing
from the network: folium's default CDN links (Leaflet, jQuery, Bootstrap,
awesome-markers, Font Awesome) are removed and the assets of
:mod:`seriana_gis.maps.assets` are written inline, or, for the pages of an
office site, referenced from one shared copy beside them
(``assets/seriana-maps.js`` and ``.css``, relative links that work from a
folder or an unzipped archive: :func:`write_shared_assets`). Layers are drawn
by our runtime (``js/seriana.js``) from GeoJSON embedded once per dataset, or
from one shared data script per dataset (``data/<name>.js``).

:func:`render_html` numbers folium's element names in page order, so the same
map gives the same page, byte for byte (folium names elements with random ids).
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from .._io import write_text
from .assets import load_assets

#: Centre of the Seriana Valley study area (WGS84), used before bounds are known.
DEFAULT_CENTER = (45.80, 9.85)
#: Map background when no tiles are drawn.
BACKGROUND = "#eef0ea"

_CLOSE_TAG = re.compile(r"</(script|style)", re.IGNORECASE)

# Legends and the layer control are sized on the map, not the window (``cqh``: the map is
# a size container): on a site sheet the map is 440 px high in an 800 px window, and a
# legend of 38 % of the window covered the "colour sites by" switch above it.
_PAGE_CSS = f"""
.folium-map.leaflet-container {{ background: {BACKGROUND}; container-type: size; }}
.seriana-legends {{ background: #fff; padding: 5px 8px; font: 12px/1.3 sans-serif;
  max-height: 38vh; max-height: 38cqh; max-width: 240px; overflow-y: auto; }}
.seriana-legends:empty {{ display: none; }}
.seriana-legend + .seriana-legend {{ margin-top: 5px; }}
.seriana-legend-title {{ font-weight: bold; }}
.seriana-legend-row {{ display: flex; align-items: center; gap: 6px; }}
.seriana-swatch {{ display: inline-block; flex: none; width: 14px; height: 10px; border: 1px solid; }}
.seriana-swatch-line {{ height: 0; border-width: 2px 0 0 0; }}
.seriana-swatch-dash {{ height: 0; border-width: 2px 0 0 0; border-style: dashed; }}
.seriana-swatch-point {{ width: 10px; border-radius: 50%; }}
.seriana-switch {{ background: #fff; padding: 5px 8px; font: 12px/1.4 sans-serif; }}
.seriana-switch-title {{ font-weight: bold; }}
.seriana-switch-row {{ display: flex; align-items: center; gap: 4px; cursor: pointer; }}
.seriana-switch-row input {{ margin: 1px 2px; }}
.leaflet-control-layers-expanded {{ max-height: 60vh; max-height: 60cqh; overflow-y: auto; }}
.seriana-popup {{ font: 12px/1.35 sans-serif; }}
.seriana-popup-title {{ font-weight: bold; font-size: 14px; }}
.seriana-popup-subtitle {{ color: #555; margin-bottom: 4px; }}
.seriana-best {{ margin: 2px 0 4px; }}
.seriana-scores {{ border-collapse: collapse; margin-bottom: 4px; }}
.seriana-scores th {{ text-align: left; font-weight: normal; color: #555; padding-right: 10px; }}
.seriana-scores td {{ padding-right: 10px; }}
.seriana-profile-best td {{ font-weight: bold; }}
.seriana-why {{ margin: 4px 0; color: #333; }}
.seriana-fold {{ border-top: 1px solid #ddd; padding-top: 2px; margin-top: 3px; }}
.seriana-fold summary {{ cursor: pointer; color: #1f4e79; }}
.seriana-note {{ color: #555; font-size: 11px; }}
.seriana-popup-table th {{ text-align: left; padding-right: 8px; font-weight: normal; color: #555;
  vertical-align: top; }}
.seriana-label {{ background: rgba(255,255,255,0.85); border: none; box-shadow: none;
  padding: 0 3px; font: 11px/1.3 sans-serif; color: #222; }}
.seriana-label::before {{ display: none; }}
.seriana-town {{ background: none; border: none; }}
.seriana-town-name {{ display: inline-block; transform: translate(-50%, -50%); white-space: nowrap;
  font: italic 11px/1.2 sans-serif; color: #333; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }}
.seriana-town-here {{ font-weight: bold; font-style: normal; font-size: 13px; color: #08306b; }}
"""


def _guard(text: str) -> str:
    """Make text safe inside an HTML ``<script>``/``<style>`` element."""
    return _CLOSE_TAG.sub(lambda m: "<\\/" + m.group(1), text)


class RawHTML(Element):
    """A piece of HTML written as given (no template processing of its text)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.text = text


class _Rendered(MacroElement):
    """A macro element whose header, html and script go into the page as text.

    branca compiles each rendered macro's output as a new jinja template
    (``Element(script(...))``): 50 compilations a page. The output is text
    already, so it is added as :class:`RawHTML`, which compiles nothing.
    Placed after a folium class in the bases (``class OfflineMap(folium.Map,
    _Rendered)``), it takes the place of :class:`~branca.element.MacroElement`'s
    rendering after folium's own steps.
    """

    def render(self, **kwargs: Any) -> str:
        fig = self.get_root()
        macros = self._template.module.__dict__
        if isinstance(fig, Figure):
            for part in ("header", "html", "script"):
                macro = macros.get(part)
                if macro is not None:
                    getattr(fig, part).add_child(RawHTML(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)
        return ""  # the parts went into the page's sections


class OfflineMap(folium.Map, _Rendered):
    """A :class:`folium.Map` that renders without compiling its output (see :class:`_Rendered`)."""


class LayerControl(folium.LayerControl, _Rendered):
    """A :class:`folium.LayerControl` that renders without compiling its output."""


class _Runtime(_Rendered):
    """Starts the map runtime: scale bar, fullscreen and measure controls."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            seriana.init({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "SerianaRuntime"
        self.options = options


class DataLayer(Layer):
    """A layer drawn by the runtime from an embedded dataset and a style spec.

    Its Leaflet object is reachable in the page as ``seriana.layers[spec["id"]]``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = seriana.addLayer({{ this.spec|tojson }}, {{ this.show|tojson }});
            {%- if this.show %}
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, spec: dict[str, Any], *, name: str, show: bool = True) -> None:
        # Leaflet's layer control writes names with innerHTML: escape them here.
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "DataLayer"
        self.spec = spec

    render = _Rendered.render


class _Script(_Rendered):
    """One call into the runtime, ``seriana.<function>(<json argument>)``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            seriana.{{ this.function }}({{ this.argument|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, function: str, argument: Any) -> None:
        super().__init__()
        self._name = "SerianaCall"
        self.function = function
        self.argument = argument


def figure(m: folium.Map) -> Figure:
    """The branca figure (the HTML page) of a map."""
    fig = m.get_root()
    if not isinstance(fig, Figure):  # pragma: no cover - folium always makes one
        msg = "internal error: the map is not in a figure"
        raise TypeError(msg)
    return fig


#: File names of the shared assets of an office site, in its ``assets/`` folder.
SHARED_JS = "seriana-maps.js"
SHARED_CSS = "seriana-maps.css"


def shared_assets() -> dict[str, str]:
    """The shared asset files: name → text (Leaflet, plugins, our runtime and page CSS)."""
    assets = load_assets()
    provenance = ", ".join(f"{k} {v}" for k, v in assets.versions.items())
    head = f"/* seriana_gis map assets; from npm: {provenance} */\n"
    return {
        SHARED_JS: head + assets.js + "\n;\n" + assets.app_js,
        SHARED_CSS: head + assets.css + "\n" + _PAGE_CSS,
    }


def write_shared_assets(folder: str | os.PathLike[str]) -> list[Path]:
    """Write the shared assets into ``folder`` (atomically, replacing older copies)."""
    root = Path(folder)
    return [write_text(root / n, t, overwrite=True) for n, t in shared_assets().items()]


def offline_map(
    *,
    title: str,
    tiles: str | None = None,
    attribution: str | None = None,
    scale: bool = True,
    fullscreen: bool = True,
    measure: bool = True,
    height: str = "100%",
    assets: str | None = None,
) -> folium.Map:
    """A folium map whose page needs no network.

    Parameters
    ----------
    title
        The page title (escaped).
    tiles
        ``None`` for a plain background (works offline), or a folium tile
        provider name (``"OpenStreetMap"``, ``"CartoDB positron"``) or URL
        template, drawn when the browser is online.
    attribution
        Attribution of a tile URL template (provider names carry their own).
    scale, fullscreen, measure
        Whether to add a metric scale bar, a fullscreen button, a measure tool.
    height
        CSS height of the map (``"100%"``, ``"60vh"``).
    assets
        ``None`` to inline the assets (a page that travels alone), or the
        relative path of the shared ``assets/`` folder (``"../assets/"``).

    Returns
    -------
    folium.Map
        With the assets in its figure's header and no tile layer unless asked.
    """
    m = OfflineMap(
        location=list(DEFAULT_CENTER),
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
        max_zoom=19,
        control_scale=False,
        height=height,
    )
    # folium's defaults point at CDNs: the page gets the inlined copies instead
    m.default_js = []
    m.default_css = []
    fig = figure(m)
    fig.title = html.escape(title)
    if assets is None:
        inline = load_assets()
        provenance = ", ".join(f"{k} {v}" for k, v in inline.versions.items())
        head = (
            f"<!-- inlined from npm: {html.escape(provenance)} -->\n"
            f"<style>{_guard(inline.css)}\n{_PAGE_CSS}</style>\n"
            f"<script>{_guard(inline.js)}</script>\n"
            f"<script>{_guard(inline.app_js)}</script>\n"
        )
    else:
        prefix = html.escape(assets, quote=True)
        head = (
            f'<link rel="stylesheet" href="{prefix}{SHARED_CSS}">\n'
            f'<script src="{prefix}{SHARED_JS}"></script>\n'
        )
    fig.header.add_child(RawHTML(head), name="seriana_assets")
    m.add_child(_Runtime({"scale": scale, "fullscreen": fullscreen, "measure": measure}))
    if tiles is not None:
        folium.TileLayer(tiles, attr=attribution, name="background tiles", control=True).add_to(m)
    return m


def add_dataset(m: folium.Map, dataset: str, geojson_text: str) -> None:
    """Embed a GeoJSON text (from :func:`features.feature_collection`) once in the page."""
    figure(m).html.add_child(
        RawHTML(
            f'<script type="application/json" id="seriana-data-{html.escape(dataset)}">'
            f"{_guard(geojson_text)}</script>"
        ),
        name=f"seriana_data_{dataset}",
    )


def add_dataset_script(m: folium.Map, dataset: str, src: str) -> None:
    """Load a shared data script (``data/<dataset>.js``, see :func:`dataset_script`) in the header."""
    fig = figure(m)
    name = f"seriana_data_{dataset}"
    if name not in fig.header._children:
        src_attr = html.escape(src, quote=True)
        fig.header.add_child(RawHTML(f'<script src="{src_attr}"></script>\n'), name=name)


def dataset_script(dataset: str, geojson_text: str) -> str:
    """A shared data script: registers a dataset with the runtime when loaded."""
    return f"seriana.register({json.dumps(dataset)}, {geojson_text});\n"


def add_call(m: folium.Map, function: str, argument: Any) -> None:
    """Add a call ``seriana.<function>(argument)`` after the elements already added."""
    m.add_child(_Script(function, argument))


def number_elements(m: folium.Map) -> None:
    """Name folium's elements in page order (``map_0001`` ...) instead of by random ids."""
    counter = itertools.count(1)

    def visit(element: Any) -> None:
        element._id = f"{next(counter):04d}"
        for child in list(element._children.values()):
            visit(child)

    visit(figure(m))


def render_html(m: folium.Map) -> str:
    """The complete HTML page of a map; the same map gives the same bytes."""
    number_elements(m)
    return str(m.get_root().render())
