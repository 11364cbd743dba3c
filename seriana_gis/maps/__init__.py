"""Offline interactive maps (folium/Leaflet; assets inlined, or shared by an office site's pages).

- :func:`review_map` / :func:`write_review_map`: the review map of the database;
- :func:`overview_map`: a plain overview of every layer (written by the build);
- :func:`write_office_site`: one map per municipality, one sheet per brownfield,
  and an index page, for the inter-municipal office (one shared copy of the
  assets and of each layer, or every page self-contained);
- :func:`write_map`: write any of these maps atomically.

Assets come from npm packages pinned by ``js/package-lock.json`` (see
:mod:`seriana_gis.maps.assets`).
"""

from __future__ import annotations

from .office import write_office_site
from .overview import overview_map, write_overview_map
from .review import review_map, write_map, write_review_map

__all__ = [
    "overview_map",
    "review_map",
    "write_map",
    "write_office_site",
    "write_overview_map",
    "write_review_map",
]
