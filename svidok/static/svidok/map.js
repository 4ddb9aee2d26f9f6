/* The incident map (reports/_map.html, docs/maps.md): Leaflet with clustered points over the outlines
   of the occupied regions and raions, no tile server. Everything comes from data attributes: the
   points' address (GeoJSON from reports.geo), the outlines' address, and the words to show, already
   translated by the server. Texts go in with textContent, colours through the CSSOM (the CSP forbids
   style attributes and inline code). A map under the incident list follows its filters when htmx
   swaps the results in. */
(function () {
  "use strict";
  if (!window.L || !window.fetch) { return; }

  function text(tag, className, content) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (content) { element.textContent = content; }
    return element;
  }

  function popup(properties, root) {
    var box = text("div", "map-popup");
    var link = text("a", "map-popup-title", properties.title || properties.reference);
    link.href = properties.url;
    if (window.top !== window.self) { link.target = "_blank"; link.rel = "noopener"; }
    box.appendChild(link);
    box.appendChild(text("p", "map-popup-meta", properties.reference + " · " + properties.type_label));
    box.appendChild(text("p", "map-popup-meta", properties.date));
    if (properties.place) {
      box.appendChild(text("p", "map-popup-meta", properties.place + " (" + properties.precision_label + ")"));
    }
    return box;
  }

  function legend(list, features) {
    var counts = {};
    var order = [];
    features.forEach(function (feature) {
      var p = feature.properties;
      if (!counts[p.type_label]) { counts[p.type_label] = {colour: p.colour, count: 0}; order.push(p.type_label); }
      counts[p.type_label].count += 1;
    });
    order.sort(function (a, b) { return counts[b].count - counts[a].count || a.localeCompare(b); });
    list.textContent = "";
    order.forEach(function (label) {
      var item = text("li");
      var swatch = text("span", "map-swatch");
      swatch.style.backgroundColor = counts[label].colour;
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(label + " (" + counts[label].count + ")"));
      list.appendChild(item);
    });
  }

  function start(root) {
    if (root.hasAttribute("data-map-ready")) { return; }
    root.setAttribute("data-map-ready", "");
    var canvas = root.querySelector(".map-canvas");
    var note = root.querySelector(".map-note");
    var list = root.querySelector(".map-legend");
    if (root.dataset.height) { canvas.style.height = root.dataset.height + "px"; }
    var map = L.map(canvas, {zoomSnap: 0.25, minZoom: 5, maxZoom: 13, attributionControl: true});
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(root.dataset.attribution);
    map.setView([46.5, 35.5], 6);
    // While the map moves (a popup pans it into view, a cluster zooms), a click meant for what
    // moves may land beside it; the page says so, for scripts and tests that wait for it to settle.
    map.on("movestart zoomstart", function () { root.setAttribute("data-map-moving", ""); });
    map.on("moveend zoomend", function () { root.removeAttribute("data-map-moving"); });
    // The outlines lie under the points in a pane of their own (Leaflet's overlay pane is 400),
    // arriving before or after them.
    map.createPane("outline").style.zIndex = 350;
    var outline = null;
    var cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 45, spiderfyOnMaxZoom: true});
    map.addLayer(cluster);
    var request = 0;

    fetch(root.dataset.boundaries, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        outline = L.geoJSON(data, {
          pane: "outline",
          interactive: false,
          style: function (feature) {
            var region = feature.properties.level === "region";
            return {color: region ? "#5b6770" : "#9aa5ad", weight: region ? 1.5 : 0.7, fill: region,
                    fillColor: "#fbfaf6", fillOpacity: 1};
          }
        });
        outline.addTo(map);
        if (!cluster.getLayers().length) { map.fitBounds(outline.getBounds(), {animate: false}); }
      })
      .catch(function () { /* the points still show, on the sea colour */ });

    function load(url) {
      var mine = ++request;
      root.setAttribute("aria-busy", "true");
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/geo+json"}})
        .then(function (response) {
          return response.json().then(function (data) { return {ok: response.ok, data: data}; });
        })
        .then(function (answer) {
          if (mine !== request) { return; }
          root.removeAttribute("aria-busy");
          cluster.clearLayers();
          if (!answer.ok) {
            note.textContent = (answer.data.errors || [root.dataset.failed]).join(" ");
            legend(list, []);
            return;
          }
          var features = answer.data.features;
          var markers = features.map(function (feature) {
            var c = feature.geometry.coordinates;
            // A marker (not a vector circle) so that each point takes the keyboard focus and
            // Enter opens it; its colour is set on the element through the CSSOM.
            var dot = text("span", "map-dot");
            dot.style.backgroundColor = feature.properties.colour;
            var marker = L.marker([c[1], c[0]], {
              icon: L.divIcon({html: dot, className: "map-point", iconSize: [16, 16]}),
              title: feature.properties.title || feature.properties.reference,
              riseOnHover: true
            });
            marker.bindPopup(function () { return popup(feature.properties, root); });
            return marker;
          });
          cluster.addLayers(markers);
          note.textContent = answer.data.note || "";
          legend(list, features);
          if (markers.length) {
            map.fitBounds(cluster.getBounds(), {maxZoom: 10, padding: [40, 40], animate: false});
          } else if (outline) {
            map.fitBounds(outline.getBounds(), {animate: false});
          }
          root.setAttribute("data-points-loaded", String(markers.length));
        })
        .catch(function () {
          if (mine !== request) { return; }
          root.removeAttribute("aria-busy");
          note.textContent = root.dataset.failed;
        });
    }

    load(root.dataset.points);
    if (root.dataset.follow === "list") {
      // The list's filters change the address (hx-push-url): the map takes the same filters.
      document.body.addEventListener("htmx:afterSettle", function (event) {
        var target = event.detail && event.detail.target;
        if (!target || target.id !== "results") { return; }  // another part of the page was swapped
        var base = root.dataset.points.split("?")[0];
        load(base + window.location.search.replace(/([?&])(page|sort)=[^&]*/g, "$1"));
      });
    }
  }

  function startAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-incident-map]"), start);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
