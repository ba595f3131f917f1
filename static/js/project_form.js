// The project form: its sites (added by clicks on the map, moved by dragging, named and removed in the list;
// the first also by a geocoded address), more partner rows, and the overlap check run as the official types.
// Stored text is only ever inserted with textContent.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("project-form");
  if (!form) { return; }
  var lat = form.elements.latitude, lon = form.elements.longitude;
  var city = document.getElementById("city");
  var notice = document.getElementById("location-notice");
  var csrf = form.elements.csrf_token.value;
  var ownId = form.dataset.projectId ? Number(form.dataset.projectId) : null;
  var map = null;
  // The sites: [{lat, lon, name, marker}]; the hidden `locations` field carries them all as JSON, the
  // latitude/longitude fields the first one. Names are shown with textContent and input values only.
  var sitesField = form.elements.locations;
  var siteList = document.getElementById("site-list");
  var maxSites = Number(siteList.dataset.max) || 100;
  var sites = [];

  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) ? n : null;
  }
  function round(value) { return Math.round(value * 1e6) / 1e6; }
  function selectedCity() {
    return city.tagName === "SELECT" ? city.options[city.selectedIndex] : city;
  }
  function words(template, n) { return template.replace("{n}", String(n)); }
  function siteLabel(site, index) { return site.name || words(siteList.dataset.site, index + 1); }

  function initialSites() {
    var list = [];
    if (sitesField.value.trim()) {
      try { list = JSON.parse(sitesField.value); } catch (error) { list = []; }
    }
    if (!Array.isArray(list) || !list.length) {
      var a = number(lat.value), b = number(lon.value);
      list = a !== null && b !== null ? [{ lat: a, lon: b, name: null }] : [];
    }
    return list.filter(function (site) {
      return site && number(site.lat) !== null && number(site.lon) !== null;
    }).map(function (site) {
      return { lat: number(site.lat), lon: number(site.lon), name: typeof site.name === "string" ? site.name : "" };
    });
  }
  function placeMarker(site) {
    if (!map) { return; }
    site.marker = L.marker([site.lat, site.lon], { draggable: true, keyboard: true }).addTo(map);
    site.marker.bindTooltip(function () {
      return document.createTextNode(siteLabel(site, sites.indexOf(site)));
    }, { direction: "top", offset: [0, -30] });
    site.marker.on("dragend", function () {
      var at = site.marker.getLatLng();
      site.lat = round(at.lat);
      site.lon = round(at.lng);
      save();
    });
  }
  function renderList() {
    siteList.textContent = "";
    sites.forEach(function (site, index) {
      var item = document.createElement("li");
      item.className = "site";
      var name = document.createElement("input");
      name.type = "text";
      name.maxLength = 200;
      name.className = "site-name";
      name.value = site.name || "";
      name.placeholder = words(siteList.dataset.site, index + 1);
      name.setAttribute("aria-label", words(siteList.dataset.name, index + 1));
      name.addEventListener("input", function () {
        site.name = name.value;
        writeField();
      });
      var where = document.createElement("span");
      where.className = "site-coordinates";
      where.textContent = site.lat.toFixed(6) + ", " + site.lon.toFixed(6);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button-quiet site-remove";
      remove.textContent = siteList.dataset.remove;
      remove.setAttribute("aria-label", words(siteList.dataset.removeLabel, index + 1));
      remove.addEventListener("click", function () { removeSite(site); });
      item.appendChild(name);
      item.appendChild(where);
      item.appendChild(remove);
      siteList.appendChild(item);
    });
  }
  function writeField() {
    sitesField.value = JSON.stringify(sites.map(function (site) {
      return { lat: site.lat, lon: site.lon, name: site.name && site.name.trim() ? site.name.trim() : null };
    }));
    lat.value = sites.length ? sites[0].lat.toFixed(6) : "";
    lon.value = sites.length ? sites[0].lon.toFixed(6) : "";
  }
  function save() {
    writeField();
    renderList();
    scheduleCheck();
  }
  function addSite(latitude, longitude) {
    if (sites.length >= maxSites) {
      notice.textContent = siteList.dataset.full;
      return;
    }
    var site = { lat: round(latitude), lon: round(longitude), name: "" };
    sites.push(site);
    placeMarker(site);
    save();
  }
  function removeSite(site) {
    if (site.marker) { map.removeLayer(site.marker); }
    sites.splice(sites.indexOf(site), 1);
    save();
  }
  // The first site (the address search and the latitude/longitude fields set it), added if there is none.
  function setPoint(latitude, longitude) {
    if (!sites.length) {
      addSite(latitude, longitude);
      return;
    }
    sites[0].lat = round(latitude);
    sites[0].lon = round(longitude);
    if (sites[0].marker) { sites[0].marker.setLatLng([sites[0].lat, sites[0].lon]); }
    save();
  }

  // The map: click to add a site; drag a marker to move it.
  sites = initialSites();
  if (window.L) {
    var element = document.getElementById("location-map");
    map = L.map(element, { scrollWheelZoom: false, maxZoom: 19 });
    window.ascnBaseLayer(map, element);  // tiles, or the offline basemap (leaflet-setup.js)
    sites.forEach(placeMarker);
    if (sites.length > 1) {
      map.fitBounds(L.latLngBounds(sites.map(function (site) { return [site.lat, site.lon]; })),
                    { padding: [24, 24], maxZoom: 16 });
    } else if (sites.length === 1) {
      map.setView([sites[0].lat, sites[0].lon], 14);
    } else {
      map.setView([number(selectedCity().dataset.lat), number(selectedCity().dataset.lon)], 11);
    }
    map.on("click", function (event) {
      notice.textContent = "";
      addSite(event.latlng.lat, event.latlng.lng);
    });
    element.dataset.ready = "1";
  }
  writeField();
  renderList();
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var a = number(lat.value), b = number(lon.value);
      if (a === null || b === null || Math.abs(a) > 90 || Math.abs(b) > 180) { return; }
      setPoint(a, b);
      if (map) { map.setView([a, b], map.getZoom()); }
    });
  });
  if (city.tagName === "SELECT") {
    form.elements.country.value = selectedCity().dataset.country;
    city.addEventListener("change", function () {
      var option = selectedCity();
      form.elements.country.value = option.dataset.country;
      if (map && !sites.length) { map.setView([number(option.dataset.lat), number(option.dataset.lon)], 11); }
    });
  }

  // The address: our server asks the geocoder, or falls back to its own gazetteer, and says which.
  var address = form.elements.address;
  function findAddress() {
    var query = address.value.trim();
    if (!query) { return; }
    var url = script.dataset.geocode + "?q=" + encodeURIComponent(query) + "&city=" + encodeURIComponent(city.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) { notice.textContent = answer.body.error || ""; return; }
        setPoint(answer.body.lat, answer.body.lon);
        if (map) { map.setView([answer.body.lat, answer.body.lon], answer.body.source === "geocoder" ? 16 : 12); }
        notice.textContent = answer.body.notice || "";
      })
      .catch(function () { notice.textContent = notice.dataset.failed || ""; });
  }
  document.getElementById("address-find").addEventListener("click", findAddress);
  address.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); findAddress(); }
  });

  // Partner rows: copy the last row with the next index and empty values.
  document.getElementById("add-participant").addEventListener("click", function () {
    var body = document.querySelector("#participants tbody");
    var rows = body.querySelectorAll("tr.participant");
    var copy = rows[rows.length - 1].cloneNode(true);
    var index = rows.length;
    copy.querySelectorAll("input, select").forEach(function (input) {
      input.name = input.name.replace(/^participants-\d+-/, "participants-" + index + "-");
      input.id = input.name;
      input.value = "";
      input.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
    body.appendChild(copy);
    copy.querySelector("input").focus();
  });

  // The overlap check, debounced; answers that arrive after a newer request are ignored.
  var status = document.getElementById("overlap-status");
  var list = document.getElementById("overlap-live");
  var timer = null, sequence = 0;
  function partnerNames() {
    var names = [];
    form.querySelectorAll("input[name$='-organisation']").forEach(function (input) {
      if (input.value.trim()) { names.push(input.value.trim()); }
    });
    form.elements.partners.value.split(";").forEach(function (spec) {
      var name = spec.replace(/\([^()]*\)\s*$/, "").trim();
      if (name) { names.push(name); }
    });
    return names;
  }
  function draft() {
    var areas = [];
    form.querySelectorAll("input[name='focus_areas']:checked").forEach(function (box) { areas.push(box.value); });
    var body = {
      title: form.elements.title.value, summary: form.elements.summary.value,
      description: form.elements.description.value, city: city.value, project_id: ownId, focus_areas: areas, start_date: form.elements.start_date.value || null,
      end_date: form.elements.end_date.value || null, partners: partnerNames()
    };
    var a = number(lat.value), b = number(lon.value);
    if (a !== null && b !== null) { body.location = { lat: a, lon: b }; }
    if (sites.length > 1) {  // every site counts: the distance is from the nearest pair
      body.locations = sites.map(function (site) { return { lat: site.lat, lon: site.lon }; });
    }
    return body;
  }
  function item(flag) {
    var li = document.createElement("li");
    li.className = flag.severity;
    var badge = document.createElement("span");
    badge.className = "badge severity-" + flag.severity;
    badge.textContent = list.dataset["label" + flag.severity.charAt(0).toUpperCase() + flag.severity.slice(1)] || flag.severity;
    var subject = document.createElement("p");
    subject.className = "title";
    subject.textContent = flag.kind === "project" ? list.dataset.projectLabel + ": " + (flag.project_title || "")
      : (flag.initiative || flag.plan_title || "");
    li.appendChild(badge);
    li.appendChild(subject);
    if (flag.kind !== "project" && flag.plan_title) {
      var plan = document.createElement("p");
      plan.className = "hint";
      plan.textContent = flag.plan_title;
      li.appendChild(plan);
    }
    var reasons = document.createElement("ul");
    reasons.className = "reasons";
    (flag.reasons || []).forEach(function (reason) {
      var entry = document.createElement("li");
      entry.textContent = reason;
      reasons.appendChild(entry);
    });
    li.appendChild(reasons);
    return li;
  }
  function check() {
    var body = draft();
    if (body.title.trim().length < 3) { return; }
    var mine = ++sequence;
    status.textContent = status.dataset.checking;
    fetch(script.dataset.overlap, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (answer) {
        if (mine !== sequence) { return; }
        // An edited project is already registered: it must not be shown as overlapping itself.
        var flags = (answer.flags || []).filter(function (flag) { return !ownId || flag.project_id !== ownId; });
        list.textContent = "";
        flags.forEach(function (flag) { list.appendChild(item(flag)); });
        var checked = answer.checked || {};
        status.textContent = flags.length ? status.dataset.checked
          .replace("{plans}", checked.plans || 0).replace("{projects}", checked.projects || 0) : status.dataset.none;
      })
      .catch(function () {
        if (mine === sequence) { status.textContent = status.dataset.unavailable; }
      });
  }
  function scheduleCheck() {
    clearTimeout(timer);
    timer = setTimeout(check, 600);
  }
  form.addEventListener("input", scheduleCheck);
  form.addEventListener("change", scheduleCheck);
  check();
})();
