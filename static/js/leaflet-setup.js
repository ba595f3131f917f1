// Marker icons come from our vendored Leaflet, whichever copy of the script loaded; and every map's base layer.
(function () {
  "use strict";
  if (!window.L) { return; }
  var me = document.currentScript.dataset;
  L.Icon.Default.imagePath = me.images;
  var config = JSON.parse(me.basemapConfig || '{"names": {}, "members": []}');
  var names = config.names;
  var basemap = null;  // one download per page, however many maps it has

  function label(feature) {
    var text = document.createElement("span");
    text.textContent = names[feature.properties.iso2] || feature.properties.name;
    var at = feature.properties.label;
    return L.marker([at[1], at[0]], {
      icon: L.divIcon({ className: "basemap-label", html: text, iconSize: null }),
      pane: "basemapLabels", interactive: false, keyboard: false
    });
  }
  function drawBasemap(map, element) {
    element.classList.add("basemap-offline");
    map.createPane("basemap").style.zIndex = 150;
    map.createPane("basemapLabels").style.zIndex = 350;
    basemap = basemap || fetch(me.basemap).then(function (response) {
      if (!response.ok) { throw new Error(me.basemap + ": HTTP " + response.status); }
      return response.json();
    });
    basemap.then(function (data) {
      var land = L.geoJSON(null, {
        pane: "basemap", renderer: L.svg({ pane: "basemap" }), interactive: false,
        attribution: me.basemapAttribution,
        style: function (feature) {
          var member = config.members.indexOf(feature.properties.iso2) >= 0;
          return { className: "basemap-land" + (member ? " basemap-member" : ""), weight: 1 };
        }
      }).addTo(map);
      // A few countries per task, so that drawing the land never holds the page (and a phone's taps) for long.
      var waiting = data.features.slice();
      (function drawSome() {
        var started = Date.now();
        while (waiting.length && Date.now() - started < 16) { land.addData(waiting.shift()); }
        if (waiting.length) { setTimeout(drawSome, 0); return; }
        element.dataset.basemap = "offline";
      })();
      var labels = L.layerGroup(data.features.map(label));
      // Country names from zoom 4 on, where they no longer cover each other.
      function showLabels() {
        if (map.getZoom() >= 4) { labels.addTo(map); } else { labels.remove(); }
      }
      map.on("zoomend", showLabels);
      showLabels();
      return land;
    }).catch(function (error) { console.error(error); });
  }

  // Tiles from the configured server; once they fail (offline, blocked) or when none is set, the shipped basemap,
  // and the tile layer goes so that panning makes no more requests that cannot succeed.
  window.ascnBaseLayer = function (map, element) {
    var url = element.dataset.tileUrl;
    if (!url) { drawBasemap(map, element); return; }
    var tiles = L.tileLayer(url, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 });
    var loaded = 0, failed = 0;
    tiles.on("tileload", function () { loaded += 1; });
    tiles.on("tileerror", function () {
      failed += 1;
      if (failed > loaded && map.hasLayer(tiles)) {
        map.removeLayer(tiles);
        drawBasemap(map, element);
      }
    });
    tiles.addTo(map);
  };
})();
