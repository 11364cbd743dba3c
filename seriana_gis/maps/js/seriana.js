/*
 * seriana_gis map runtime (our own code, loaded after Leaflet: inlined into a
 * page, or shared by every page of an office site as assets/seriana-maps.js).
 *
 * Layers, popups and legends are built from GeoJSON data (embedded in the page
 * as <script type="application/json">, or loaded by a shared data script that
 * calls seriana.register) and from plain layer specifications written by
 * seriana_gis.maps. Every text that comes from data is put into the page with
 * textContent, never innerHTML, so a site name holding HTML markup is shown as
 * text and runs nothing.
 */
(function () {
  "use strict";
  var S = (window.seriana = window.seriana || {});
  S.layers = {};
  S.specs = {};
  S.map = null;
  S.registered = S.registered || {};
  var dataCache = {};
  var legendBox = null;
  var frontIds = [];

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

  /* Values arrive rounded once by seriana_gis (symbology.round_column):
     formatting adds no second rounding. */
  S.fmt = function (v, f) {
    if (isMissing(v)) return "–";
    if (typeof v !== "number") return String(v);
    switch (f) {
      case "int":
        return Math.round(v).toLocaleString("en-GB");
      case "year":
        return String(Math.round(v));
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

  /* A shared data script (data/<id>.js of an office site) registers its
     dataset here before the page's own script runs. */
  S.register = function (id, fc) {
    S.registered[id] = fc;
  };

  /* Datasets are GeoJSON whose feature properties are stored as arrays of
     values in the order of the collection's "keys" (smaller than repeating
     every key in every feature); they become plain objects here. A feature's
     "id" is its row in the layer: a page that draws some rows only lists them
     in its spec's "rows". */
  S.data = function (id) {
    if (!(id in dataCache)) {
      var node = document.getElementById("seriana-data-" + id);
      var fc = node ? JSON.parse(node.textContent) : S.registered[id];
      fc = fc || { type: "FeatureCollection", features: [] };
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

  function currentStyle(spec) {
    if (spec.modes && spec.modes.length) {
      for (var i = 0; i < spec.modes.length; i++) {
        if (spec.modes[i].id === spec.mode) return spec.modes[i].style;
      }
      return spec.modes[0].style;
    }
    return spec.style;
  }

  function pathStyle(spec, p) {
    var c = colourFor(currentStyle(spec), p);
    var o = {
      color: spec.stroke || c,
      weight: spec.weight,
      opacity: spec.opacity,
      fillColor: c,
      fillOpacity: spec.fill_opacity,
    };
    if (spec.widths) {
      var w = spec.widths[p[currentStyle(spec).property]];
      if (w) o.weight = w;
    }
    if (spec.dash && p[spec.dash.property] === spec.dash.value) o.dashArray = spec.dash.pattern;
    if (spec.hollow && p[spec.hollow.property] === spec.hollow.value) o.fillOpacity = 0;
    var h = spec.highlight;
    if (h && String(p[h.property]) === String(h.value)) {
      o.color = h.colour;
      o.weight = h.weight;
      o.opacity = 1;
    }
    return o;
  }

  function popupMaxHeight() {
    // never taller than the map: the valley stays in view around it
    var h = S.map ? S.map.getSize().y : window.innerHeight;
    return Math.max(120, h - 90);
  }

  // one popup and one tooltip per layer (not per feature): cheap with 10,000 sites
  function bindOverlays(layer, spec) {
    bindPopupOf(layer, spec);
    bindTooltipOf(layer, spec);
  }

  function bindPopupOf(layer, spec) {
    if (spec.popup) {
      layer.bindPopup(
        function (l) {
          return l && l.feature ? S.popup(l.feature.properties, spec.popup) : "";
        },
        { maxWidth: 340, minWidth: 240, maxHeight: popupMaxHeight(), autoPanPadding: [20, 20] }
      );
      if (!layer.serianaPopupSized) {
        layer.serianaPopupSized = true;
        layer.on("popupopen", function (e) {
          e.popup.options.maxHeight = popupMaxHeight();
          e.popup.update();
        });
      }
    }
  }

  function bindTooltipOf(layer, spec) {
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

  /* ---- layers -------------------------------------------------------- */

  function selected(spec) {
    if (!spec.rows) return null;
    var keep = {};
    spec.rows.forEach(function (r) {
      keep[r] = true;
    });
    return function (f) {
      return keep[f.id] === true;
    };
  }

  /* A layer that starts hidden builds its features when first shown, so that
     a map with 10,000 sites opens quickly. */
  S.addLayer = function (spec, show) {
    var data = S.data(spec.data);
    var layer = L.geoJSON(show ? data : null, {
      filter: selected(spec),
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
    if (spec.front) frontIds.push(spec.id);
    if (spec.labels) addSiteLabels(layer, spec);
    if (spec.town_labels) addTownLabels(layer, spec, data);
    if (spec.legend || spec.modes) S.addLegend(layer, spec);
    return layer;
  };

  // sites stay above the TEB stops and everything else, in drawing and in clicks
  function keepFront() {
    frontIds.forEach(function (id) {
      var layer = S.layers[id];
      if (layer && S.map.hasLayer(layer)) layer.bringToFront();
    });
  }

  /* Site names as permanent labels from a zoom level on. */
  function addSiteLabels(layer, spec) {
    var on = false;
    function update() {
      if (!S.map || !S.map.hasLayer(layer)) return;
      var want = S.map.getZoom() >= spec.labels.min_zoom;
      if (want === on) return;
      on = want;
      layer.eachLayer(function (l) {
        var targets = l.eachLayer ? l.getLayers() : [l];
        targets.forEach(function (t) {
          if (!t.getLatLng) return; // the marker of a footprint carries the label
          if (want) {
            var v = t.feature ? t.feature.properties[spec.labels.property] : null;
            t.bindTooltip(el("span", null, isMissing(v) ? "" : v), {
              permanent: true,
              direction: "right",
              offset: [8, 0],
              className: "seriana-label",
              interactive: false,
            });
          } else if (t.getTooltip() && t.getTooltip().options.permanent) {
            t.unbindTooltip();
          }
        });
      });
      // the hover tooltip repeats the name: off while the names are written
      if (want) layer.unbindTooltip();
      else bindTooltipOf(layer, spec);
    }
    S.map.on("zoomend", update);
    layer.on("add", function () {
      on = false;
      setTimeout(update, 0);
    });
  }

  /* Town names at each municipality's label point (_label_lat, _label_lon);
     where two would overlap, the larger town (then the page's own) keeps its name. */
  function addTownLabels(layer, spec, data) {
    var group = L.layerGroup();
    var markers = [];
    var h = spec.highlight;
    data.features.forEach(function (f) {
      var p = f.properties;
      if (isMissing(p._label_lat) || isMissing(p._label_lon)) return;
      var span = el("span", "seriana-town-name", p[spec.town_labels]);
      var here = h && String(p[h.property]) === String(h.value);
      if (here) span.className += " seriana-town-here";
      var icon = L.divIcon({ className: "seriana-town", html: span, iconSize: null });
      var marker = L.marker([p._label_lat, p._label_lon], {
        icon: icon,
        interactive: false,
        keyboard: false,
        pane: "serianaLabels",
      });
      var weight = here ? Infinity : isMissing(p.population) ? 0 : p.population;
      markers.push({ marker: marker, weight: weight });
      marker.addTo(group);
    });
    markers.sort(function (a, b) {
      return b.weight - a.weight;
    });
    function declutter() {
      var kept = [];
      markers.forEach(function (m) {
        var node = m.marker.getElement();
        if (!node) return;
        var span = node.firstChild;
        span.style.visibility = "";
        var r = span.getBoundingClientRect();
        var clash = kept.some(function (k) {
          return !(r.right < k.left || r.left > k.right || r.bottom < k.top || r.top > k.bottom);
        });
        if (clash) span.style.visibility = "hidden";
        else kept.push(r);
      });
    }
    layer.on("add", function () {
      group.addTo(S.map);
      declutter();
    });
    layer.on("remove", function () {
      group.remove();
    });
    S.map.on("zoomend", function () {
      if (S.map.hasLayer(group)) declutter();
    });
    S.townLabels = group;
    S.declutterTowns = declutter;
  }

  /* ---- colour sites by -------------------------------------------------- */

  S.setMode = function (id, mode) {
    var spec = S.specs[id];
    var layer = S.layers[id];
    if (!spec || !layer) return;
    spec.mode = mode;
    layer.setStyle(function (f) {
      return pathStyle(spec, f.properties);
    });
    if (layer.serianaLegend) layer.serianaLegend.render();
    var inputs = document.querySelectorAll(".seriana-switch input[data-layer='" + id + "']");
    Array.prototype.forEach.call(inputs, function (i) {
      i.checked = i.value === mode;
    });
  };

  S.addSwitch = function (options) {
    var spec = S.specs[options.layer];
    if (!spec || !spec.modes) return null;
    var Switch = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "seriana-switch leaflet-bar");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        el("div", "seriana-switch-title", options.title, div);
        spec.modes.forEach(function (m) {
          var label = el("label", "seriana-switch-row", null, div);
          var input = el("input", null, null, label);
          input.type = "radio";
          input.name = "seriana-switch-" + spec.id;
          input.value = m.id;
          input.setAttribute("data-layer", spec.id);
          input.checked = m.id === spec.mode;
          input.addEventListener("change", function () {
            if (input.checked) S.setMode(spec.id, m.id);
          });
          el("span", null, m.label, label);
        });
        return div;
      },
    });
    var ctl = new Switch();
    ctl.addTo(S.map);
    S.switchControl = ctl;
    return ctl;
  };

  /* ---- popups ---------------------------------------------------------- */

  function contributionChart(items) {
    var ns = "http://www.w3.org/2000/svg";
    var rowH = 16;
    var labelW = 130;
    var barW = 110;
    var max = 0;
    items.forEach(function (it) {
      if (!isMissing(it[1])) max = Math.max(max, Math.abs(it[1]));
    });
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "seriana-contrib");
    svg.setAttribute("width", String(labelW + barW + 46));
    svg.setAttribute("height", String(rowH * items.length + 4));
    items.forEach(function (it, i) {
      var y = i * rowH + 2;
      var label = document.createElementNS(ns, "text");
      label.setAttribute("x", "0");
      label.setAttribute("y", String(y + 11));
      label.setAttribute("font-size", "11");
      var title = document.createElementNS(ns, "title");
      title.textContent = it[0];
      label.appendChild(title);
      label.appendChild(document.createTextNode(it[0].length > 22 ? it[0].slice(0, 21) + "…" : it[0]));
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

  function fieldsTable(p, fields, values, parent) {
    var table = el("table", "seriana-popup-table", null, parent);
    var n = 0;
    (fields || []).forEach(function (f) {
      if (!(f[1] in p) || isMissing(p[f[1]]) || p[f[1]] === "") return;
      var tr = el("tr", null, null, table);
      el("th", null, f[0], tr);
      el("td", null, S.valueText(p[f[1]], f, values), tr);
      n++;
    });
    return n;
  }

  function fold(parent, title, cls) {
    var d = el("details", cls || "seriana-fold", null, parent);
    el("summary", null, title, d);
    return d;
  }

  function rankText(p, prof) {
    var r = S.fmt(p[prof.rank], "int");
    if (prof.p05 && prof.p95 && !isMissing(p[prof.p05])) {
      r += " (" + S.fmt(p[prof.p05], "int") + "–" + S.fmt(p[prof.p95], "int") + ")";
    }
    return r;
  }

  /* A popup: the title, then what matters first (best use, the scores, why),
     then the details folded away. */
  S.popup = function (p, spec) {
    var root = el("div", "seriana-popup");
    if (spec.title) el("div", "seriana-popup-title", isMissing(p[spec.title]) ? "" : p[spec.title], root);
    var profiles = spec.profiles || [];
    if (!profiles.length) {
      fieldsTable(p, spec.fields, spec.values, root);
      return root;
    }
    if (spec.subtitle) {
      var parts = [];
      spec.subtitle.forEach(function (f) {
        if (f[1] in p && !isMissing(p[f[1]]) && p[f[1]] !== "") parts.push(S.valueText(p[f[1]], f, spec.values));
      });
      el("div", "seriana-popup-subtitle", parts.join(" · "), root);
    }
    var best = spec.best_use ? p[spec.best_use] : null;
    var bestProf = null;
    if (spec.best_use) {
      var b = el("div", "seriana-best", null, root);
      el("span", "seriana-best-label", "Best use: ", b);
      el("strong", null, S.valueText(best, [null, spec.best_use, "text"], spec.values), b);
    }
    var scores = el("table", "seriana-scores", null, root);
    var head = el("tr", null, null, scores);
    el("th", null, "profile", head);
    el("th", null, "score", head);
    el("th", null, "rank", head);
    profiles.forEach(function (prof) {
      var tr = el("tr", "seriana-profile", null, scores);
      tr.setAttribute("data-profile", prof.name);
      if (prof.name === best) {
        tr.className += " seriana-profile-best";
        bestProf = prof;
      }
      el("td", null, prof.label, tr);
      el("td", null, prof.score ? S.fmt(p[prof.score], "score") : "–", tr);
      el("td", null, prof.rank ? rankText(p, prof) : "–", tr);
    });
    var lead = bestProf || profiles[0];
    if (lead.why && !isMissing(p[lead.why]) && p[lead.why] !== "") {
      el("div", "seriana-why", p[lead.why], root);
    }
    var details = fold(root, "Site details");
    fieldsTable(p, spec.fields, spec.values, details);
    if (spec.travel && spec.travel.length) {
      var travel = fold(root, "Travel times");
      fieldsTable(p, spec.travel, spec.values, travel);
    }
    profiles.forEach(function (prof) {
      if (!prof.contributions || !prof.contributions.length) return;
      var box = fold(root, prof.label + ": criteria", "seriana-fold seriana-criteria");
      box.setAttribute("data-profile", prof.name);
      if (prof.why && prof !== lead && !isMissing(p[prof.why]) && p[prof.why] !== "") {
        el("div", "seriana-why", p[prof.why], box);
      }
      box.appendChild(
        contributionChart(
          prof.contributions.map(function (c) {
            return [c[0], p[c[1]]];
          })
        )
      );
      el("div", "seriana-note", prof.note, box);
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

  function legendOf(spec) {
    if (spec.modes && spec.modes.length) {
      for (var i = 0; i < spec.modes.length; i++) {
        if (spec.modes[i].id === spec.mode) return spec.modes[i].legend;
      }
      return spec.modes[0].legend;
    }
    return spec.legend;
  }

  S.addLegend = function (layer, spec) {
    var box = el("div", "seriana-legend");
    box.setAttribute("data-layer", layer.serianaId);
    function render() {
      var legend = legendOf(spec);
      box.textContent = "";
      if (!legend) return;
      el("div", "seriana-legend-title", legend.title, box);
      legend.entries.forEach(function (e) {
        var row = el("div", "seriana-legend-row", null, box);
        var sw = el("span", "seriana-swatch seriana-swatch-" + e[2], null, row);
        sw.style.background = e[2] === "line" || e[2] === "dash" ? "transparent" : e[0];
        sw.style.borderColor = e[0];
        el("span", null, e[1], row);
      });
    }
    render();
    box.style.display = "none";
    legendBoxFor(S.map).appendChild(box);
    layer.serianaLegend = { box: box, render: render };
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
    map.createPane("serianaLabels").style.zIndex = 450;
    map.on("layeradd", function (e) {
      if (e.layer && e.layer.serianaId && frontIds.indexOf(e.layer.serianaId) < 0) keepFront();
    });
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
    keepFront();
    if (S.declutterTowns) S.declutterTowns();
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
      position: "topleft",
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
      if (!S.map.hasLayer(layer)) return;
      var opened = false;
      layer.eachLayer(function (l) {
        if (!opened && l.feature && l.feature.properties[spec.key] === key) {
          var ll = l.getBounds ? l.getBounds().getCenter() : l.getLatLng();
          l.fire("click", { latlng: ll }, true);
          opened = true;
        }
      });
    });
    ctl.addTo(S.map);
    S.search = ctl;
    return ctl;
  };
})();
