"""``python -m seriana_gis.maps``: install the map assets (npm packages) into their cache."""

from __future__ import annotations

from .assets import main

main()
