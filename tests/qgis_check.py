"""Open seriana_gis exports in real QGIS and print what QGIS sees, as JSON.

Run by ``tests/test_export_qgis.py`` with Debian's ``/usr/bin/python3`` (PyQGIS),
never inside the virtualenv::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py spec.json

``spec.json`` lists what to open: ``{"gpkg": path, "tables": [...],
"project": path, "stored_project": "geopackage:...?projectName=...",
"render": {"png": path, "colours": ["#rrggbb", ...]}, "layout": {"name": ..., "png":
path, "colours": [...]}, "vectors": [paths], "rasters": [paths]}``; ``render`` draws
the project's checked layers, ``layout`` exports a print layout to PNG. The script only
reports (validity, CRS, feature counts, renderer, classes, labels, metadata,
project tree); the pytest side compares with expectations computed from the
source frames.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from qgis.core import (  # type: ignore[import-not-found]
    Qgis,
    QgsApplication,
    QgsExpression,
    QgsLayerTreeGroup,
    QgsLayerTreeLayer,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtXml import QDomDocument  # type: ignore[import-not-found]


def renderer_info(layer: Any) -> dict[str, Any]:
    """Renderer type, attribute, classes and symbol details of a vector layer."""
    r = layer.renderer()
    info: dict[str, Any] = {"type": r.type() if r else None}
    if r is None:
        return info
    if r.type() == "graduatedSymbol":
        info["attr"] = r.classAttribute()
        info["ranges"] = [[x.lowerValue(), x.upperValue()] for x in r.ranges()]
        info["count"] = len(r.ranges())
    elif r.type() == "categorizedSymbol":
        info["attr"] = r.classAttribute()
        info["categories"] = [str(c.value()) for c in r.categories()]
        info["count"] = len(r.categories())
        pens = {}
        for c in r.categories():
            sl = c.symbol().symbolLayer(0)
            if hasattr(sl, "penStyle"):
                pens[str(c.value())] = int(sl.penStyle())
        info["pen_styles"] = pens
    elif r.type() == "RuleRenderer":
        rules = r.rootRule().children()
        info["rules"] = [[x.filterExpression(), x.label(), bool(x.isElse())] for x in rules]
        info["count"] = len(rules)
        # the column the rules classify: the one their filters read
        read = {
            c
            for x in rules
            if not x.isElse()
            for c in QgsExpression(x.filterExpression()).referencedColumns()
        }
        info["attr"] = read.pop() if len(read) == 1 else sorted(read)
    info.update(drawn_and_legend(layer, r))
    return info


def drawn_and_legend(layer: Any, r: Any) -> dict[str, Any]:
    """How many features a renderer draws, its symbols and its legend (label, colour).

    A categorized or graduated renderer skips a feature no category or range matches.
    """
    ctx = render_context()
    r.startRender(ctx, layer.fields())
    drawn = 0
    for f in layer.getFeatures():
        # as QGIS's layer renderer does: an expression (the road class) reads the feature here
        ctx.expressionContext().setFeature(f)
        drawn += bool(r.willRenderFeature(f, ctx))
    r.stopRender(ctx)
    symbols = r.symbols(render_context())
    return {
        "drawn": drawn,
        "symbol_types": sorted({int(s.type()) for s in symbols}),
        "colours": [s.color().name() for s in symbols],
        "legend": [
            [item.label(), item.symbol().color().name() if item.symbol() else None]
            for item in r.legendSymbolItems()
        ],
    }


def render_context() -> Any:
    from qgis.core import QgsRenderContext  # type: ignore[import-not-found]

    return QgsRenderContext()


def labels_info(layer: Any) -> dict[str, Any]:
    """Whether labels are on, and on which field."""
    out: dict[str, Any] = {"enabled": bool(layer.labelsEnabled())}
    lab = layer.labeling()
    if lab is not None and hasattr(lab, "settings"):
        out["field"] = lab.settings().fieldName
    return out


def metadata_info(layer: Any) -> dict[str, Any]:
    """Title, abstract, licences and rights QGIS read."""
    md = layer.metadata()
    return {
        "title": md.title(),
        "abstract": md.abstract(),
        "licenses": list(md.licenses()),
        "rights": list(md.rights()),
    }


def vector_info(layer: Any) -> dict[str, Any]:
    """Everything the tests check on a vector layer."""
    if not layer.isValid():
        return {"valid": False}
    return {
        "valid": True,
        "crs": layer.crs().authid(),
        "count": int(layer.featureCount()),
        "fields": [f.name() for f in layer.fields()],
        "geometry_type": int(layer.geometryType()),
        "renderer": renderer_info(layer),
        "labels": labels_info(layer),
        "metadata": metadata_info(layer),
        "opacity": layer.opacity(),
        "aliases": {f.name(): layer.attributeAlias(i) for i, f in enumerate(layer.fields())},
    }


def raster_info(layer: Any) -> dict[str, Any]:
    """Validity, CRS, size and renderer of a raster layer."""
    if not layer.isValid():
        return {"valid": False}
    r = layer.renderer()
    info: dict[str, Any] = {
        "valid": True,
        "crs": layer.crs().authid(),
        "width": layer.width(),
        "height": layer.height(),
        "renderer": {"type": r.type() if r else None},
        "metadata": metadata_info(layer),
    }
    if r is not None and r.type() == "singlebandpseudocolor":
        shader = r.shader().rasterShaderFunction()
        info["renderer"]["count"] = len(shader.colorRampItemList())
    return info


def stored_styles(uri: str) -> dict[str, Any]:
    """Styles stored in the data source (``layer_styles``): names, and each one applied.

    Every stored style (default or not) is read back from the database and
    applied to a fresh layer, reporting the renderer QGIS built from it
    (:func:`renderer_info`: type, attribute, features drawn, legend).
    """
    layer = QgsVectorLayer(uri, "styles", "ogr")
    n, ids, names, _descriptions, error = layer.listStylesInDatabase()
    n = int(n)  # QGIS lists this layer's styles first, then the other layers'
    applied = []
    for style_id, name in zip(list(ids)[:n], list(names)[:n], strict=True):
        qml, _message = layer.getStyleFromDatabase(style_id)
        target = QgsVectorLayer(uri, "style", "ogr")
        doc = QDomDocument()
        doc.setContent(qml)
        ok = target.importNamedStyle(doc)
        info = renderer_info(target)
        info["ok"] = bool(ok[0])
        info["name"] = name
        info.setdefault("attr", None)
        applied.append(info)
    return {"count": n, "names": list(names)[:n], "applied": applied, "error": error}


def tree(group: Any) -> list[dict[str, Any]]:
    """The project's layer tree: groups with their layers, top first."""
    out = []
    for child in group.children():
        if isinstance(child, QgsLayerTreeGroup):
            out.append({"group": child.name(), "children": tree(child)})
        elif isinstance(child, QgsLayerTreeLayer):
            out.append({"layer": child.name(), "id": child.layerId()})
    return out


def project_info(uri: str) -> dict[str, Any]:
    """Read a project (a .qgz path, or a ``geopackage:`` URI) and report its layers and tree."""
    p = QgsProject.instance()
    p.clear()
    ok = p.read(uri)
    layers = {}
    for layer_id, layer in p.mapLayers().items():
        vector = isinstance(layer, QgsVectorLayer)
        info = vector_info(layer) if vector else raster_info(layer)
        if vector:
            info["styles"] = list(layer.styleManager().styles())
            info["current_style"] = layer.styleManager().currentStyle()
        info["name"] = layer.name()
        info["source"] = layer.source()
        layers[layer_id] = info
    md = p.metadata()
    return {
        "read": bool(ok),
        "title": p.title(),
        "crs": p.crs().authid(),
        "tree": tree(p.layerTreeRoot()),
        "layers": layers,
        "metadata": {"title": md.title(), "abstract": md.abstract(), "author": md.author()},
        "layouts": [layout.name() for layout in p.layoutManager().printLayouts()],
    }


def layout_info(name: str, png: str, colours: list[str]) -> dict[str, Any]:
    """Export a print layout of the current project to ``png``; report its page, items, pixels."""
    from qgis.core import QgsLayoutExporter, QgsLayoutItemLabel  # type: ignore[import-not-found]
    from qgis.PyQt.QtGui import QColor, QImage  # type: ignore[import-not-found]

    layout = QgsProject.instance().layoutManager().layoutByName(name)
    if layout is None:
        return {"found": False}
    page = layout.pageCollection().page(0).pageSize()
    items = []
    texts = []
    for item in layout.items():
        if hasattr(item, "type") and hasattr(item, "uuid"):
            items.append(int(item.type()))
            if isinstance(item, QgsLayoutItemLabel):
                texts.append(item.currentText())
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 50
    result = QgsLayoutExporter(layout).exportToImage(png, settings)
    image = QImage(png)
    wanted = {c.lower(): 0 for c in colours}
    drawn = 0
    for y in range(image.height()):
        for x in range(image.width()):
            colour = QColor(image.pixel(x, y)).name()
            if colour != "#ffffff":
                drawn += 1
            if colour in wanted:
                wanted[colour] += 1
    return {
        "found": True,
        "page_mm": [page.width(), page.height()],
        "items": sorted(items),
        "labels": texts,
        "exported": int(result) == int(QgsLayoutExporter.Success),
        "size_px": [image.width(), image.height()],
        "drawn_fraction": drawn / max(1, image.width() * image.height()),
        "colours": wanted,
    }


def render(png: str, colours: list[str], size: int = 600) -> dict[str, Any]:
    """Render the checked layers of the current project to ``png``; count exact colours.

    Returns the number of pixels of each ``#rrggbb`` colour in ``colours`` and
    of non-background pixels: evidence that the styles draw as written.
    """
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings  # type: ignore[import-not-found]
    from qgis.PyQt.QtCore import QSize  # type: ignore[import-not-found]
    from qgis.PyQt.QtGui import QColor  # type: ignore[import-not-found]

    p = QgsProject.instance()
    layers = p.layerTreeRoot().checkedLayers()
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(p.crs())
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    extent = settings.fullExtent()
    extent.scale(1.05)
    settings.setExtent(extent)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(png, "PNG")
    wanted = {c.lower(): 0 for c in colours}
    drawn = 0
    for y in range(image.height()):
        for x in range(image.width()):
            name = QColor(image.pixel(x, y)).name()
            if name != "#ffffff":
                drawn += 1
            if name in wanted:
                wanted[name] += 1
    return {"png": png, "drawn": drawn, "colours": wanted, "layers": len(layers)}


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    app = QgsApplication([], False)
    app.initQgis()
    result: dict[str, Any] = {
        "qgis": Qgis.QGIS_VERSION,
        "providers": QgsProviderRegistry.instance().providerList(),
    }
    gpkg = spec.get("gpkg")
    if gpkg:
        layers = {}
        for table in spec["tables"]:
            uri = f"{gpkg}|layername={table}"
            info = vector_info(QgsVectorLayer(uri, table, "ogr"))
            info["stored_styles"] = stored_styles(uri)
            layers[table] = info
        result["gpkg"] = layers
    # files: QGIS applies a .qml sidecar as the default style when the layer is
    # created, and QGIS Desktop loads a .qmd sidecar when adding a file
    # (QgisApp calls loadDefaultMetadata); do the same here
    vectors = {}
    for path in spec.get("vectors", []):
        layer = QgsVectorLayer(path, Path(path).stem, "ogr")
        layer.loadDefaultMetadata()
        vectors[path] = vector_info(layer)
    result["vectors"] = vectors
    rasters = {}
    for path in spec.get("rasters", []):
        layer = QgsRasterLayer(path, Path(path).stem, "gdal")
        layer.loadDefaultMetadata()
        rasters[path] = raster_info(layer)
    result["rasters"] = rasters
    if spec.get("project"):
        result["project"] = project_info(spec["project"])
        if spec.get("render"):
            result["render"] = render(spec["render"]["png"], spec["render"]["colours"])
        if spec.get("layout"):
            lay = spec["layout"]
            result["layout"] = layout_info(lay["name"], lay["png"], lay.get("colours", []))
    if spec.get("stored_project"):
        result["stored_project"] = project_info(spec["stored_project"])
    print(json.dumps(result, ensure_ascii=False), flush=True)
    # QGIS 3.22 may crash tearing down layers after a second project was read;
    # the report is out, so leave without the interpreter's teardown
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
