/*
 * seriana_gis map runtime (our own code, inlined into every map after Leaflet).
 *
 * Layers, popups and legends are built from JSON data embedded in the page
 * (<script type="application/json">) and from plain layer specifications
 * written by seriana_gis.maps. Every text that comes from data is put into the
 * page with textContent, never innerHTML, so a site name
 * holding HTML markup is shown as text and runs nothing.
 */
(function () {
  "use strict";
  var S = (window.seriana = window.seriana || {});
  S.layers = {};
  S.specs = {};
  S.map = null;
  var dataCache = {};
  var legendBox = null;

  function el(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }
  S.el = el;

  function isMissing(v) {
    return v === null || v === undefined || (typeof v === "number" && !isFinite(v));
  }

  S.fmt = function (v, f) {
    if (isMissing(v)) return "–";
    if (typeof v !== "number") return String(v);
    switch (f) {
      case "int":
        return Math.round(v).toLocaleString("en-GB");
      case "m2":
        return Math.round(v).toLocaleString("en-GB") + " m²";
      case "min":
        return v.toFixed(1) + " min";
      case "m":
        return Math.round(v).toLocaleString("en-GB") + " m";
      case "score":
        return v.toFixed(3);
      case "pct":
        return (100 * v).toFixed(1) + " %";
      default:
        return (Math.round(v * 100) / 100).toLocaleString("en-GB");
    }
  };

  /* A field's value as text: a categorical value in words when the spec's
     "values" maps it ({column: {value: label}}), else formatted. */
  S.valueText = function (v, f, values) {
    var words = values && values[f[1]];
    if (words && !isMissing(v) && Object.prototype.hasOwnProperty.call(words, String(v))) {
      return words[String(v)];
    }
    return S.fmt(v, f[2]);
  };

  /* Datasets are GeoJSON whose feature properties are stored as arrays of
     values in the order of the collection's "keys" (smaller than repeating
     every key in every feature); they become plain objects here. */
  S.data = function (id) {
    if (!(id in dataCache)) {
      var node = document.getElementById("seriana-data-" + id);
      var fc = node ? JSON.parse(node.textContent) : { type: "FeatureCollection", features: [] };
      var keys = fc.keys || [];
      fc.features.forEach(function (f) {
        if (!Array.isArray(f.properties)) return;
        var o = {};
        for (var i = 0; i < keys.length; i++) o[keys[i]] = f.properties[i];
        f.properties = o;
      });
      dataCache[id] = fc;
    }
    return dataCache[id];
  };

  function colourFor(style, p) {
    if (style.kind === "fixed") return style.colour;
    var v = p[style.property];
    if (style.kind === "category") {
      var c = isMissing(v) ? undefined : style.map[String(v)];
      return c || style.other;
    }
    if (isMissing(v)) return style.missing;
    for (var i = 0; i < style.breaks.length; i++) {
      if (v <= style.breaks[i]) return style.colours[i];
    }
    return style.colours[style.colours.length - 1];
  }

  function pathStyle(spec, p) {
    var c = colourFor(spec.style, p);
    var o = {
      color: spec.stroke || c,
      weight: spec.weight,
      opacity: spec.opacity,
      fillColor: c,
      fillOpacity: spec.fill_opacity,
    };
    if (spec.dash && p[spec.dash.property] === spec.dash.value) o.dashArray = spec.dash.pattern;
    if (spec.hollow && p[spec.hollow.property] === spec.hollow.value) o.fillOpacity = 0;
    return o;
  }

  // one popup and one tooltip per layer (not per feature): cheap with 10,000 sites
  function bindOverlays(layer, spec) {
    if (spec.popup) {
      layer.bindPopup(
        function (l) {
          return l && l.feature ? S.popup(l.feature.properties, spec.popup) : "";
        },
        { maxWidth: 380, minWidth: 220 }
      );
    }
    if (spec.tooltip) {
      layer.bindTooltip(
        function (l) {
          var v = l && l.feature ? l.feature.properties[spec.tooltip] : null;
          return el("span", "seriana-tooltip", isMissing(v) ? "" : v);
        },
        { sticky: true }
      );
    }
  }

  /* A layer that starts hidden builds its features when first shown, so that
     a map with 10,000 sites and five ways of colouring them opens quickly. */
  S.addLayer = function (spec, show) {
    var data = S.data(spec.data);
    var layer = L.geoJSON(show ? data : null, {
      style: function (f) {
        return pathStyle(spec, f.properties);
      },
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, Object.assign({ radius: spec.radius }, pathStyle(spec, f.properties)));
      },
      // a footprint drawn with its marker (GeometryCollection): both parts carry the feature
      onEachFeature: function (f, l) {
        if (l.eachLayer) {
          l.eachLayer(function (part) {
            part.feature = f;
          });
        }
      },
    });
    bindOverlays(layer, spec);
    if (!show) {
      layer.once("add", function () {
        layer.addData(data);
      });
    }
    layer.serianaId = spec.id;
    S.layers[spec.id] = layer;
    S.specs[spec.id] = spec;
    if (spec.legend) S.addLegend(layer, spec.legend);
    return layer;
  };

  /* ---- popups ---------------------------------------------------------- */

  function contributionChart(items) {
    var ns = "http://www.w3.org/2000/svg";
    var rowH = 16;
    var labelW = 120;
    var barW = 150;
    var max = 0;
    items.forEach(function (it) {
      if (!isMissing(it[1])) max = Math.max(max, Math.abs(it[1]));
    });
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "seriana-contrib");
    svg.setAttribute("width", String(labelW + barW + 50));
    svg.setAttribute("height", String(rowH * items.length + 4));
    items.forEach(function (it, i) {
      var y = i * rowH + 2;
      var label = document.createElementNS(ns, "text");
      label.setAttribute("x", "0");
      label.setAttribute("y", String(y + 11));
      label.setAttribute("font-size", "11");
      label.textContent = it[0];
      svg.appendChild(label);
      var v = isMissing(it[1]) ? 0 : it[1];
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", String(labelW));
      rect.setAttribute("y", String(y + 2));
      rect.setAttribute("height", String(rowH - 5));
      rect.setAttribute("width", String(max > 0 ? (barW * Math.abs(v)) / max : 0));
      rect.setAttribute("fill", v < 0 ? "#c0392b" : "#2c7fb8");
      rect.setAttribute("class", "seriana-bar");
      svg.appendChild(rect);
      var value = document.createElementNS(ns, "text");
      value.setAttribute("x", String(labelW + barW + 4));
      value.setAttribute("y", String(y + 11));
      value.setAttribute("font-size", "11");
      value.textContent = S.fmt(it[1], "score");
      svg.appendChild(value);
    });
    return svg;
  }
  S.contributionChart = contributionChart;

  S.popup = function (p, spec) {
    var root = el("div", "seriana-popup");
    if (spec.title) el("div", "seriana-popup-title", isMissing(p[spec.title]) ? "" : p[spec.title], root);
    var table = el("table", "seriana-popup-table", null, root);
    (spec.fields || []).forEach(function (f) {
      if (!(f[1] in p)) return;
      var tr = el("tr", null, null, table);
      el("th", null, f[0], tr);
      el("td", null, S.valueText(p[f[1]], f, spec.values), tr);
    });
    (spec.profiles || []).forEach(function (prof) {
      var box = el("div", "seriana-profile", null, root);
      box.setAttribute("data-profile", prof.name);
      el("div", "seriana-profile-title", prof.label, box);
      var t = el("table", "seriana-popup-table", null, box);
      function row(label, text) {
        var tr = el("tr", null, null, t);
        el("th", null, label, tr);
        el("td", null, text, tr);
      }
      if (prof.score) row("score", S.fmt(p[prof.score], "score"));
      if (prof.rank) row("rank", S.fmt(p[prof.rank], "int"));
      if (prof.p05 && prof.p95) {
        row("rank 5–95 %", S.fmt(p[prof.p05], "int") + " – " + S.fmt(p[prof.p95], "int"));
      }
      if (prof.contributions && prof.contributions.length) {
        el("div", "seriana-contrib-title", "criterion contributions", box);
        box.appendChild(
          contributionChart(
            prof.contributions.map(function (c) {
              return [c[0], p[c[1]]];
            })
          )
        );
      }
    });
    return root;
  };

  /* ---- legends that follow layer visibility ------------------------------ */

  function legendBoxFor(map) {
    if (legendBox) return legendBox;
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "seriana-legends leaflet-bar");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    var ctl = new Legend();
    ctl.addTo(map);
    legendBox = ctl.getContainer();
    return legendBox;
  }

  S.addLegend = function (layer, legend) {
    var box = el("div", "seriana-legend");
    box.setAttribute("data-layer", layer.serianaId);
    el("div", "seriana-legend-title", legend.title, box);
    legend.entries.forEach(function (e) {
      var row = el("div", "seriana-legend-row", null, box);
      var sw = el("span", "seriana-swatch seriana-swatch-" + e[2], null, row);
      sw.style.background = e[2] === "line" || e[2] === "dash" ? "transparent" : e[0];
      sw.style.borderColor = e[0];
      el("span", null, e[1], row);
    });
    box.style.display = "none";
    legendBoxFor(S.map).appendChild(box);
    layer.on("add", function () {
      box.style.display = "";
    });
    layer.on("remove", function () {
      box.style.display = "none";
    });
  };

  /* ---- controls ----------------------------------------------------------- */

  S.init = function (map, options) {
    S.map = map;
    if (options.scale) L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    if (options.fullscreen && L.Control.FullScreen) {
      new L.Control.FullScreen({ position: "topleft" }).addTo(map);
    }
    if (options.measure && L.control.polylineMeasure) {
      var measure = L.control
        .polylineMeasure({ position: "topleft", unit: "metres", showBearings: false, showClearControl: true })
        .addTo(map);
      // while measuring, clicks go to the measure tool, not to popups of the features below
      map.on("polylinemeasure:toggle", function () {
        Object.keys(S.layers).forEach(function (id) {
          var layer = S.layers[id];
          if (measure._measuring) {
            layer.unbindPopup();
            layer.unbindTooltip();
          } else {
            bindOverlays(layer, S.specs[id]);
          }
        });
      });
    }
  };

  S.fit = function (bounds) {
    S.map.fitBounds(bounds, { animate: false });
  };

  S.addSearch = function (spec) {
    var layer = S.layers[spec.layer];
    if (!layer || !L.Control.Search) return null;
    var ctl = new L.Control.Search({
      layer: layer,
      propertyName: spec.property,
      marker: false,
      initial: false,
      zoom: spec.zoom,
      textPlaceholder: spec.placeholder,
      textErr: "not found",
      buildTip: function (text) {
        return el("li", null, text);
      },
      moveToLocation: function (latlng, title, map) {
        map.setView(latlng, spec.zoom);
      },
    });
    ctl.on("search:locationfound", function (e) {
      var key = e.layer && e.layer.feature ? e.layer.feature.properties[spec.key] : null;
      spec.open.forEach(function (id) {
        var lyr = S.layers[id];
        if (!lyr || !S.map.hasLayer(lyr)) return;
        lyr.eachLayer(function (l) {
          if (l.feature && l.feature.properties[spec.key] === key) {
            var ll = l.getBounds ? l.getBounds().getCenter() : l.getLatLng();
            l.fire("click", { latlng: ll }, true);
          }
        });
      });
    });
    ctl.addTo(S.map);
    S.search = ctl;
    return ctl;
  };
})();
