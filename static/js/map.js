// The home map: one GeoJSON request, filtered in the browser; the list beside the map mirrors the markers.
// User text only ever reaches the page through textContent, attributes and text nodes.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L || !L.markerClusterGroup) { return; }
  var strings = JSON.parse(document.getElementById("map-strings").textContent);
  var form = document.getElementById("filters");
  var listEl = document.getElementById("results");
  var countEl = document.getElementById("result-count");
  var moreButton = document.getElementById("show-more");
  var statusEl = document.getElementById("map-status");
  var PAGE = 100;
  var ASEAN = [[-10.5, 92.5], [28.5, 141]];
  var FIELDS = ["q", "country", "city", "focus", "stage", "partner", "seeking"];

  // Street level (16) is close enough for a regional map; each extra zoom level costs markercluster
  // another pass over all 10,000 markers before the first clusters are drawn.
  var map = L.map(el, { minZoom: 3, maxZoom: 16 });
  window.ascnBaseLayer(map, el);  // tiles, or the offline basemap when they fail (leaflet-setup.js)
  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 80, iconCreateFunction: clusterIcon
  });
  var citiesLayer = L.layerGroup().addTo(map);
  var items = [], shown = [], rendered = 0, cities = [], selectedId = null;

  // Labels come from the server-rendered options, so the map speaks the page's language.
  var focusByName = {}, stageLabels = {};
  Array.prototype.forEach.call(form.elements.focus.options, function (o) {
    if (o.value) { focusByName[o.dataset.name] = { slug: o.value, label: o.textContent }; }
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
  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? "s" : n < 100 ? "m" : "l";
    var px = { s: 32, m: 38, l: 46 }[size];
    return L.divIcon({ html: "<span>" + n + "</span>", className: "cluster cluster-" + size, iconSize: [px, px] });
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }
  function normalise(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
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
  function projectUrl(p) { return sameSite(p.url, "/projects/" + encodeURIComponent(p.id)); }
  function labelled(label, value) {
    var p = node("p");
    p.appendChild(node("span", "label", label + ": "));
    p.appendChild(document.createTextNode(value));
    return p;
  }

  function popupFor(item) {
    var p = item.props, box = node("div", "popup");
    box.appendChild(node("h2", "", p.title));
    box.appendChild(node("p", "", p.city + (p.country ? " (" + p.country + ")" : "")));
    box.appendChild(labelled(strings.focusAreas, p.focus_areas.map(function (n) {
      return (focusByName[n] || { label: n }).label;
    }).join(", ")));
    box.appendChild(labelled(strings.stage, stageLabels[p.stage] || p.stage));
    if (p.partners.length) {
      box.appendChild(labelled(strings.partners, p.partners.map(function (partner) {
        return partner.name + " (" + (strings.roles[partner.role] || partner.role) + ")";
      }).join(", ")));
    }
    if (p.seeking_funding) { box.appendChild(node("p", "badge badge-seeking", strings.seeking)); }
    var link = node("a", "button", strings.openProject);
    link.href = projectUrl(p);
    box.appendChild(link);
    return box;
  }

  function toItem(feature) {
    var p = feature.properties, coords = feature.geometry.coordinates;
    var first = focusByName[p.focus_areas[0]];
    var item = { id: String(feature.id), props: p };
    item.marker = L.marker([coords[1], coords[0]], { icon: pinIcon(first ? first.slug : "none"), title: p.title });
    item.marker.item = item;
    item.focus = p.focus_areas.map(function (n) { return (focusByName[n] || {}).slug; });
    item.funders = p.partners.filter(function (x) { return x.role === "funding"; }).map(function (x) { return String(x.id); });
    item.sortKey = String(p.title).toLowerCase();
    return item;
  }
  // Built on first use: 10,000 popups or search strings up front would delay the first drawing.
  function searchText(item) {
    if (item.text === undefined) {
      var p = item.props;
      item.text = normalise([p.title, p.city, p.country].concat(p.focus_areas, p.partners.map(function (x) {
        return x.name;
      })).join(" "));
    }
    return item.text;
  }
  function popupOf(item) {
    if (!item.marker.getPopup()) {
      item.marker.bindPopup(function () { return popupFor(item); }, { maxWidth: 280 });
      item.marker.on("popupopen", function () { markSelected(item.id); });
    }
    return item.marker;
  }
  function openPopup(event) {
    var marker = event.layer;
    if (marker.item && !marker.getPopup()) { popupOf(marker.item).openPopup(); }
  }

  function filters() {
    var data = new FormData(form), f = {};
    FIELDS.forEach(function (name) { f[name] = (data.get(name) || "").trim(); });
    f.terms = normalise(f.q).split(/\s+/).filter(Boolean);
    return f;
  }
  function matches(item, f) {
    var p = item.props;
    return (!f.country || p.country === f.country) && (!f.city || p.city_slug === f.city) &&
      (!f.focus || item.focus.indexOf(f.focus) >= 0) && (!f.stage || p.stage === f.stage) &&
      (!f.partner || item.funders.indexOf(f.partner) >= 0) && (!f.seeking || p.seeking_funding) &&
      f.terms.every(function (term) { return searchText(item).indexOf(term) >= 0; });
  }

  function listItem(item) {
    var p = item.props, li = node("li");
    li.dataset.id = item.id;
    var link = node("a", "title", p.title);
    link.href = projectUrl(p);
    li.appendChild(link);
    li.appendChild(node("span", "meta", p.city + " · " + (stageLabels[p.stage] || p.stage)));
    var button = node("button", "button-quiet", strings.showOnMap);
    button.type = "button";
    button.setAttribute("aria-label", strings.showOnMap + ": " + p.title);
    button.addEventListener("click", function () { openOnMap(item, button); });
    li.appendChild(button);
    if (item.id === selectedId) { li.classList.add("selected"); }
    return li;
  }
  function renderMore() {
    var fragment = document.createDocumentFragment();
    shown.slice(rendered, rendered + PAGE).forEach(function (item) { fragment.appendChild(listItem(item)); });
    listEl.appendChild(fragment);
    rendered = Math.min(shown.length, rendered + PAGE);
    moreButton.hidden = rendered >= shown.length;
  }
  function markSelected(id) {
    selectedId = id;
    Array.prototype.forEach.call(listEl.querySelectorAll("li.selected"), function (li) { li.classList.remove("selected"); });
    var li = listEl.querySelector('li[data-id="' + CSS.escape(id) + '"]');
    if (li) { li.classList.add("selected"); li.scrollIntoView({ block: "nearest" }); }
  }
  function openOnMap(item, returnFocus) {
    clusters.zoomToShowLayer(item.marker, function () {
      popupOf(item).openPopup();
      var popup = item.marker.getPopup().getElement();
      var link = popup && popup.querySelector("a.button");
      if (link) { link.focus(); }
      item.marker.once("popupclose", function () { if (document.body.contains(returnFocus)) { returnFocus.focus(); } });
    });
  }

  function updateCounts() {
    countEl.textContent = shown.length ? fill(strings.count, { shown: shown.length, total: items.length })
                                       : strings.noResults;
    var perFocus = {};
    shown.forEach(function (item) { item.focus.forEach(function (slug) { perFocus[slug] = (perFocus[slug] || 0) + 1; }); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-focus-count]"), function (span) {
      span.textContent = perFocus[span.dataset.focusCount] || 0;
    });
  }
  function apply() {
    var f = filters();
    shown = items.filter(function (item) { return matches(item, f); });
    clusters.clearLayers();
    clusters.addLayers(shown.map(function (item) { return item.marker; }));
    listEl.textContent = "";
    rendered = 0;
    renderMore();
    updateCounts();
    drawCities(f);
    writeUrl();
  }
  function fitToResults() {
    if (shown.length) { map.fitBounds(clusters.getBounds(), { padding: [30, 30], maxZoom: 12 }); }
  }

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
    typing = setTimeout(apply, 200);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "q") { return; }
    if (event.target.name === "country") { limitCities(); }
    apply();
    if (event.target.name === "country" || event.target.name === "city") { fitToResults(); }
  });
  form.addEventListener("reset", function () { setTimeout(function () { limitCities(); apply(); }, 0); });
  moreButton.addEventListener("click", renderMore);
  map.on("moveend", function () { if (items.length) { writeUrl(); } });
  // Markers get their popup on first click or Enter; later ones Leaflet's own handler opens.
  clusters.on("click keypress", function (event) {
    if (event.type === "click" || event.originalEvent.keyCode === 13) { openPopup(event); }
  });

  readUrl();
  limitCities();
  // On phones the legend starts folded, so that it does not cover the small map.
  if (window.matchMedia("(max-width: 760px)").matches) { document.querySelector(".map-legend").open = false; }
  map.addLayer(clusters);
  // The page's head started both requests (window.ascnMapData); without it, fetch them now.
  function load(name, url) {
    return (window.ascnMapData || {})[name] || fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return response.json();
    });
  }
  load("cities", el.dataset.citiesUrl).then(addCities).catch(function () { statusEl.textContent = strings.citiesFailed; });
  load("projects", el.dataset.projectsUrl).then(function (collection) {
    items = collection.features.map(toItem);
    // Plain comparison of lower-cased titles: Intl.Collator costs ~5x more on 10,000 titles.
    items.sort(function (a, b) { return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0; });
    apply();
    document.documentElement.dataset.mapReady = String(Math.round(performance.now()));
    document.dispatchEvent(new CustomEvent("map:ready", { detail: { projects: items.length } }));
  }).catch(function (error) {
    statusEl.textContent = strings.loadFailed;
    countEl.textContent = strings.loadFailed;
    console.error(error);
  });
})();
