// Small location maps for profile pages. Markup (templates/_macros.html `minimap`):
//   <div data-minimap data-lat="13.75" data-lon="100.5" data-label="Bangkok" [data-zoom="11"]
//        [data-points="#list"] [data-tile-url="…" data-tile-attribution="…"]></div>
// data-points names a list whose items carry data-lat, data-lon, data-label and an optional data-href;
// each becomes a marker whose popup links there. Labels are text nodes: never parsed as HTML.
(function () {
  "use strict";
  if (!window.L) { return; }

  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) ? n : null;
  }
  function sameSite(href) {
    try {
      var url = new URL(href, location.href);
      return url.origin === location.origin ? url.pathname + url.search : null;
    } catch (error) { return null; }
  }
  function label(text, href) {
    var target = href && sameSite(href);
    if (!target) { return document.createTextNode(text); }
    var link = document.createElement("a");
    link.href = target;
    link.textContent = text;
    return link;
  }
  function point(map, element, options) {
    var lat = number(element.dataset.lat), lon = number(element.dataset.lon);
    if (lat === null || lon === null) { return null; }
    var text = element.dataset.label || "";
    var marker = L.circleMarker([lat, lon], options).addTo(map);
    marker.bindPopup(function () { return label(text, element.dataset.href); });
    marker.bindTooltip(function () { return document.createTextNode(text); }, { direction: "top", offset: [0, -6] });
    return L.latLng(lat, lon);
  }

  function minimap(element) {
    var zoom = number(element.dataset.zoom) || 11;
    var map = L.map(element, { scrollWheelZoom: false, maxZoom: 17 });
    window.ascnBaseLayer(map, element);  // tiles, or the offline basemap (leaflet-setup.js)
    var bounds = [];
    var main = point(map, element, { radius: 9, weight: 3, color: "#1b2430", fillColor: "#ffffff", fillOpacity: 1 });
    if (main) { bounds.push(main); }
    var list = element.dataset.points && document.querySelector(element.dataset.points);
    if (list) {
      Array.prototype.forEach.call(list.querySelectorAll("[data-lat][data-lon]"), function (item) {
        var at = point(map, item, { radius: 6, weight: 2, color: "#ffffff", fillColor: "#0b5394", fillOpacity: 0.9 });
        if (at) { bounds.push(at); }
      });
    }
    if (bounds.length > 1) {
      map.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: zoom });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], zoom);
    } else {
      map.setView([10, 112], 3);  // nothing to place: show the ASEAN region
    }
    element.dataset.ready = "1";
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-minimap]"), minimap);
})();
