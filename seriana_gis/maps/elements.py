"""Folium elements of an offline map: inlined assets, embedded data, layers, controls.

:func:`offline_map` returns a :class:`folium.Map` whose page loads nothing
from the network: folium's default CDN links (Leaflet, jQuery, Bootstrap,
awesome-markers, Font Awesome) are removed and the assets of
:mod:`seriana_gis.maps.assets` are written inline instead. Layers are drawn by
our runtime (``js/seriana.js``) from GeoJSON embedded once per dataset, so
several layers (one per suitability profile) share one copy of the data.
"""

from __future__ import annotations

import html
import re
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from .assets import load_assets

#: Centre of the Seriana Valley study area (WGS84), used before bounds are known.
DEFAULT_CENTER = (45.80, 9.85)
#: Map background when no tiles are drawn.
BACKGROUND = "#eef0ea"

_CLOSE_TAG = re.compile(r"</(script|style)", re.IGNORECASE)

_PAGE_CSS = f"""
.folium-map.leaflet-container {{ background: {BACKGROUND}; }}
.seriana-legends {{ background: #fff; padding: 6px 8px; font: 12px/1.4 sans-serif;
  max-height: 45vh; overflow-y: auto; }}
.seriana-legends:empty {{ display: none; }}
.seriana-legend + .seriana-legend {{ margin-top: 6px; }}
.seriana-legend-title {{ font-weight: bold; }}
.seriana-legend-row {{ display: flex; align-items: center; gap: 6px; }}
.seriana-swatch {{ display: inline-block; width: 14px; height: 10px; border: 1px solid; }}
.seriana-swatch-line {{ height: 0; border-width: 2px 0 0 0; }}
.seriana-swatch-dash {{ height: 0; border-width: 2px 0 0 0; border-style: dashed; }}
.seriana-swatch-point {{ width: 10px; border-radius: 50%; }}
.seriana-popup {{ font: 12px/1.35 sans-serif; }}
.seriana-popup-title {{ font-weight: bold; font-size: 14px; margin-bottom: 4px; }}
.seriana-popup-table th {{ text-align: left; padding-right: 8px; font-weight: normal; color: #555; }}
.seriana-profile {{ border-top: 1px solid #ddd; margin-top: 4px; padding-top: 3px; }}
.seriana-profile-title {{ font-weight: bold; text-transform: capitalize; }}
.seriana-contrib-title {{ color: #555; }}
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


class _Runtime(MacroElement):
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


class _Script(MacroElement):
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


def offline_map(
    *,
    title: str,
    tiles: str | None = None,
    attribution: str | None = None,
    scale: bool = True,
    fullscreen: bool = True,
    measure: bool = True,
    height: str = "100%",
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

    Returns
    -------
    folium.Map
        With the assets inlined in its figure's header and no tile layer unless asked.
    """
    assets = load_assets()
    m = folium.Map(
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
    provenance = ", ".join(f"{k} {v}" for k, v in assets.versions.items())
    fig.header.add_child(
        RawHTML(
            f"<!-- inlined from npm: {html.escape(provenance)} -->\n"
            f"<style>{_guard(assets.css)}\n{_PAGE_CSS}</style>\n"
            f"<script>{_guard(assets.js)}</script>\n"
            f"<script>{_guard(assets.app_js)}</script>\n"
        ),
        name="seriana_assets",
    )
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


def add_call(m: folium.Map, function: str, argument: Any) -> None:
    """Add a call ``seriana.<function>(argument)`` after the elements already added."""
    m.add_child(_Script(function, argument))
