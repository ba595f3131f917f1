// The home map: it asks the server only for what it shows — the clusters and pins of the current view
// (/api/v1/map/clusters) and one page of the list beside it (/api/v1/map/projects), both with the filters
// applied on the server, so the cost of a view does not grow with the registry.
// User text only ever reaches the page through textContent, attributes and text nodes.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var strings = JSON.parse(document.getElementById("map-strings").textContent);
  var form = document.getElementById("filters");
  var listEl = document.getElementById("results");
  var countEl = document.getElementById("result-count");
  var moreButton = document.getElementById("show-more");
  var statusEl = document.getElementById("map-status");
  var MAX_ZOOM = 16, CELL_PX = 60;
  var ASEAN = [[-10.5, 92.5], [28.5, 141]];
  // The page's parameter names (kept for shared links) and the API's.
  var API_NAMES = { q: "q", country: "country", city: "city", focus: "focus_area", stage: "stage",
                    partner: "funder", seeking: "seeking_funding" };
  var FIELDS = Object.keys(API_NAMES);

  var map = L.map(el, { minZoom: 3, maxZoom: MAX_ZOOM });
  var citiesLayer = L.layerGroup().addTo(map);
  var markersLayer = L.layerGroup().addTo(map);
  var markersById = {}, cities = [], selectedId = null, pending = null;
  var viewRequest = 0, listRequest = 0, nextUrl = null, listed = null, drawnOnce = false, listedOnce = false;

  // Labels come from the server-rendered options, so the map speaks the page's language.
  var focusLabels = {}, stageLabels = {};
  Array.prototype.forEach.call(form.elements.focus.options, function (o) {
    if (o.value) { focusLabels[o.value] = o.textContent; }
  });
  Array.prototype.forEach.call(form.elements.stage.options, function (o) { stageLabels[o.value] = o.textContent; });
  var icons = {};
  function pinIcon(slug) {
    if (!icons[slug]) {
      icons[slug] = L.divIcon({ className: "pin-icon", html: '<span class="pin fa-' + slug + '"></span>',
                                iconSize: [18, 18], iconAnchor: [9, 18], popupAnchor: [0, -16] });
    }
    return icons[slug];
  }
  function clusterIcon(count) {
    var size = count < 10 ? "s" : count < 100 ? "m" : "l";
    var px = count >= 10000 ? 56 : { s: 32, m: 38, l: 46 }[size];
    var label = document.createElement("span");
    label.textContent = String(count);
    return L.divIcon({ html: label, className: "cluster cluster-" + size, iconSize: [px, px] });
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }
  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined) { element.textContent = text; }
    return element;
  }
  // Links only ever point at this site: a URL from the data that does not is replaced by our own path.
  function sameSite(url, fallback) {
    try {
      var parsed = new URL(url, location.href);
      if (parsed.origin === location.origin) { return parsed.pathname + parsed.search; }
    } catch (error) { /* not a URL: use the fallback */ }
    return fallback;
  }
  function projectUrl(id) { return "/projects/" + encodeURIComponent(id); }
  function labelled(label, value) {
    var p = node("p");
    p.appendChild(node("span", "label", label + ": "));
    p.appendChild(document.createTextNode(value));
    return p;
  }
  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return response.json();
    });
  }

  // --- filters, as the form holds them and as the API reads them
  function filters() {
    var data = new FormData(form), f = {};
    FIELDS.forEach(function (name) { f[name] = (data.get(name) || "").trim(); });
    return f;
  }
  function apiQuery() {
    var params = new URLSearchParams(), f = filters();
    FIELDS.forEach(function (name) {
      if (f[name]) { params.set(API_NAMES[name], name === "seeking" ? "true" : f[name]); }
    });
    return params;
  }

  // --- a pin's popup, from what the clusters answer says of it
  function popupFor(p) {
    var box = node("div", "popup");
    box.appendChild(node("h2", "", p.title));
    box.appendChild(node("p", "", p.city + (p.country ? " (" + p.country + ")" : "")));
    box.appendChild(labelled(strings.focusAreas, p.focus_areas.map(function (slug) {
      return focusLabels[slug] || slug;
    }).join(", ")));
    box.appendChild(labelled(strings.stage, stageLabels[p.stage] || p.stage));
    if (p.partners.length) {
      box.appendChild(labelled(strings.partners, p.partners.map(function (partner) {
        return partner.name + " (" + (strings.roles[partner.role] || partner.role) + ")";
      }).join(", ")));
    }
    if (p.seeking_funding) { box.appendChild(node("p", "badge badge-seeking", strings.seeking)); }
    var link = node("a", "button", strings.openProject);
    link.href = projectUrl(p.id);
    box.appendChild(link);
    return box;
  }
  // Where a project of the list is: its public record (only asked for when its "Show on map" is used).
  function locationOf(id) {
    return getJson("/api/v1/projects/" + encodeURIComponent(id)).then(function (p) {
      return L.latLng(p.location.lat, p.location.lon);
    });
  }
  // The list's "Show on map": the project's popup opens, its link takes the focus, and closing the popup
  // gives the focus back to the button.
  function openPending() {
    var marker = pending && markersById[pending.id];
    if (!marker) { return; }
    var returnFocus = pending.returnFocus;
    pending = null;
    marker.openPopup();
    var element = marker.getPopup().getElement();
    var link = element && element.querySelector("a.button");
    if (link) { link.focus(); }
    marker.once("popupclose", function () { if (document.body.contains(returnFocus)) { returnFocus.focus(); } });
  }

  // --- the current view: clusters and pins from the server
  function viewBox() {
    // Widened to a coarse grid of the zoom, so that small pans ask again for the same (cached) answer.
    var zoom = map.getZoom(), step = 360 / (256 * Math.pow(2, zoom)) * CELL_PX * 4;
    var b = map.getBounds();
    var south = Math.max(-90, Math.floor(b.getSouth() / step) * step);
    var north = Math.min(90, Math.ceil(b.getNorth() / step) * step);
    var west = Math.floor(b.getWest() / step) * step, east = Math.ceil(b.getEast() / step) * step;
    if (east - west >= 360) { west = -180; east = 180; } else {
      west = L.Util.wrapNum(west, [-180, 180], true);
      east = L.Util.wrapNum(east, [-180, 180], true);
    }
    return [west, south, east, north].map(function (n) { return Number(n.toFixed(5)); }).join(",");
  }
  function loadView() {
    var ticket = ++viewRequest, params = apiQuery(), zoom = map.getZoom();
    params.set("bbox", viewBox());
    params.set("zoom", String(zoom));
    return getJson(el.dataset.clustersUrl + "?" + params.toString()).then(function (answer) {
      if (ticket !== viewRequest) { return; }  // the view or the filters moved on meanwhile
      drawView(answer);
      el.dataset.drawnZoom = String(zoom);  // what is drawn now (tests and benchmarks wait for it)
      statusEl.textContent = "";
      if (!drawnOnce) {
        drawnOnce = true;
        performance.mark("map:clusters-drawn");
        ready();
      }
    }).catch(function (error) { loadFailed(error); });
  }
  function clusterMarker(c) {
    var marker = L.marker([c.lat, c.lon], { icon: clusterIcon(c.count), title: fill(strings.cluster, { count: c.count }),
                                            riseOnHover: true });
    function zoomIn() {
      var bounds = L.latLngBounds([c.bounds[1], c.bounds[0]], [c.bounds[3], c.bounds[2]]);
      var zoom = Math.min(MAX_ZOOM, Math.max(map.getZoom() + 1, map.getBoundsZoom(bounds, false, L.point(40, 40))));
      map.setView(bounds.getCenter(), zoom);
    }
    marker.on("click", zoomIn);
    marker.on("keypress", function (event) { if (event.originalEvent.keyCode === 13) { zoomIn(); } });
    return marker;
  }
  function pinMarker(p) {
    var marker = L.marker([p.lat, p.lon], { icon: pinIcon(p.focus || "none"), title: p.title });
    var id = String(p.id);
    marker.bindPopup(function () { return popupFor(p); }, { maxWidth: 280 });
    marker.on("popupopen", function () { markSelected(id); });
    return marker;
  }
  // Markers that stay from one view to the next are kept (an open popup stays open while the map pans).
  var drawn = {};
  function drawView(answer) {
    var wanted = {};
    answer.clusters.forEach(function (c) { wanted["c" + [c.lat, c.lon, c.count].join(",")] = c; });
    answer.points.forEach(function (p) { wanted["p" + p.id + "," + p.lat + "," + p.lon] = p; });
    Object.keys(drawn).forEach(function (key) {
      if (!wanted[key]) { markersLayer.removeLayer(drawn[key]); delete drawn[key]; }
    });
    markersById = {};
    Object.keys(wanted).forEach(function (key) {
      var item = wanted[key];
      if (!drawn[key]) { drawn[key] = (key[0] === "c" ? clusterMarker : pinMarker)(item); markersLayer.addLayer(drawn[key]); }
      if (key[0] === "p") { markersById[String(item.id)] = drawn[key]; }
    });
    el.dataset.shown = String(answer.total);
    openPending();
  }

  // --- the list beside the map: the same filtered projects, a page at a time
  function listItem(item) {
    var id = String(item.id), li = node("li");
    li.dataset.id = id;
    var link = node("a", "title", item.title);
    link.href = projectUrl(id);
    li.appendChild(link);
    li.appendChild(node("span", "meta", item.city + " · " + (stageLabels[item.stage] || item.stage)));
    var button = node("button", "button-quiet", strings.showOnMap);
    button.type = "button";
    button.setAttribute("aria-label", strings.showOnMap + ": " + item.title);
    button.addEventListener("click", function () { openOnMap(id, button); });
    li.appendChild(button);
    if (id === selectedId) { li.classList.add("selected"); }
    return li;
  }
  function loadList(more) {
    var ticket = more ? listRequest : ++listRequest;
    var url = more ? nextUrl : el.dataset.listUrl + "?" + apiQuery().toString();
    moreButton.disabled = true;
    return getJson(url).then(function (page) {
      if (ticket !== listRequest) { return; }
      if (!more) { listEl.textContent = ""; listed = page; updateCounts(page); }
      var fragment = document.createDocumentFragment();
      page.items.forEach(function (item) { fragment.appendChild(listItem(item)); });
      listEl.appendChild(fragment);
      nextUrl = page.next && sameSite(page.next, null);
      moreButton.hidden = !nextUrl;
      moreButton.style.display = nextUrl ? "" : "none";  // site.css's `button {display: inline-block}` beats [hidden]
      moreButton.disabled = false;
      if (!listedOnce) { listedOnce = true; ready(); }
    }).catch(function (error) { loadFailed(error); });
  }
  function updateCounts(page) {
    countEl.textContent = page.total ? fill(strings.count, { shown: page.total, total: page.registry_total })
                                     : strings.noResults;
    Array.prototype.forEach.call(document.querySelectorAll("[data-focus-count]"), function (span) {
      span.textContent = page.focus_counts[span.dataset.focusCount] || 0;
    });
  }
  function markSelected(id) {
    selectedId = id;
    Array.prototype.forEach.call(listEl.querySelectorAll("li.selected"), function (li) { li.classList.remove("selected"); });
    var li = listEl.querySelector('li[data-id="' + CSS.escape(id) + '"]');
    if (li) { li.classList.add("selected"); li.scrollIntoView({ block: "nearest" }); }
  }
  // The list's button: to the project's place at the closest zoom, where it is a pin of its own, and its popup.
  function openOnMap(id, returnFocus) {
    pending = { id: id, returnFocus: returnFocus };
    locationOf(id).then(function (target) {
      if (map.getZoom() === MAX_ZOOM && map.getCenter().distanceTo(target) < 1 && markersById[id]) {
        openPending();
      } else {
        map.setView(target, MAX_ZOOM);
      }
    }).catch(function (error) { loadFailed(error); });
  }

  function ready() {
    if (drawnOnce && listedOnce && !document.documentElement.dataset.mapReady) {
      document.documentElement.dataset.mapReady = String(Math.round(performance.now()));
      document.dispatchEvent(new CustomEvent("map:ready", { detail: { projects: listed.total } }));
    }
  }
  function loadFailed(error) {
    statusEl.textContent = strings.loadFailed;
    countEl.textContent = strings.loadFailed;
    console.error(error);
  }
  function apply() {
    loadView();
    loadList(false);
    drawCities(filters());
    writeUrl();
  }
  // After choosing a country or city: the map moves to where its projects are.
  function fitToResults() {
    getJson(el.dataset.listUrl + "?limit=1&" + apiQuery().toString()).then(function (page) {
      if (page.bounds) {
        var b = page.bounds;
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [30, 30], maxZoom: 12 });
      }
    }).catch(function (error) { console.error(error); });
  }

  // --- ASCN cities: their own layer, filtered by country and city in the browser (33 of them)
  function drawCities(f) {
    citiesLayer.clearLayers();
    cities.forEach(function (city) {
      var c = city.properties;
      if ((!f.country || c.country === f.country) && (!f.city || c.slug === f.city)) { citiesLayer.addLayer(city.layer); }
    });
  }
  function cityPopup(c) {
    var box = node("div", "popup");
    box.appendChild(node("h2", "", c.name));
    if (c.local_name && c.local_name !== c.name) { box.appendChild(node("p", "local-name", c.local_name)); }
    box.appendChild(node("p", "", c.is_member ? fill(strings.memberSince, { year: c.member_since }) : strings.notMember));
    box.appendChild(node("p", "", fill(strings.cityProjects, { count: c.project_count })));
    var link = node("a", "button", strings.cityProfile);
    link.href = sameSite(c.url, "/cities/" + encodeURIComponent(c.slug));
    box.appendChild(link);
    return box;
  }
  function addCities(collection) {
    cities = collection.features.map(function (feature) {
      var c = feature.properties, coords = feature.geometry.coordinates;
      var layer = L.circleMarker([coords[1], coords[0]], {
        radius: 7, weight: 3, color: "#1b2430", fillColor: "#ffffff", fillOpacity: 1, className: "city-marker"
      });
      layer.bindTooltip(function () { return document.createTextNode(c.name); }, { direction: "top", offset: [0, -6] });
      layer.bindPopup(function () { return cityPopup(c); });
      return { properties: c, layer: layer };
    });
    drawCities(filters());
  }

  // The URL holds the filters and the view, so any view can be shared as a link.
  function writeUrl() {
    var params = new URLSearchParams(), f = filters();
    FIELDS.forEach(function (name) { if (f[name]) { params.set(name, f[name]); } });
    var c = map.getCenter();
    params.set("at", [map.getZoom(), c.lat.toFixed(4), c.lng.toFixed(4)].join("/"));
    // "/" is allowed in a query string; leaving it unescaped keeps shared links readable.
    history.replaceState(null, "", location.pathname + "?" + params.toString().replace(/%2F/g, "/"));
  }
  function readUrl() {
    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (name) {
      var control = form.elements[name], value = params.get(name);
      if (!value) { return; }
      if (control.type === "checkbox") { control.checked = value === "1"; } else { control.value = value; }
    });
    var at = (params.get("at") || "").split("/").map(Number);
    if (at.length === 3 && at.every(isFinite)) { map.setView([at[1], at[2]], at[0]); } else { map.fitBounds(ASEAN); }
  }
  function limitCities() {
    var country = form.elements.country.value;
    Array.prototype.forEach.call(form.elements.city.querySelectorAll("optgroup"), function (group) {
      group.hidden = Boolean(country) && group.dataset.country !== country;
    });
    var selected = form.elements.city.selectedOptions[0];
    if (selected && selected.parentNode.hidden) { form.elements.city.value = ""; }
  }

  var typing;
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("input", function (event) {
    if (event.target.name !== "q") { return; }
    clearTimeout(typing);
    typing = setTimeout(apply, 250);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "q") { return; }
    if (event.target.name === "country") { limitCities(); }
    apply();
    if (event.target.name === "country" || event.target.name === "city") { fitToResults(); }
  });
  form.addEventListener("reset", function () { setTimeout(function () { limitCities(); apply(); }, 0); });
  moreButton.addEventListener("click", function () { loadList(true); });

  readUrl();
  limitCities();
  // On phones the legend starts folded, so that it does not cover the small map.
  if (window.matchMedia("(max-width: 760px)").matches) { document.querySelector(".map-legend").open = false; }
  getJson(el.dataset.citiesUrl).then(addCities).catch(function () { statusEl.textContent = strings.citiesFailed; });
  apply();  // the view's clusters and the list are asked for first: the basemap (~100 KB) must not delay them
  window.ascnBaseLayer(map, el);  // tiles, or the offline basemap when they fail (leaflet-setup.js)
  map.on("moveend", function () { loadView(); writeUrl(); });
})();
