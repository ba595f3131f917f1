// The project form: the location by a click on the map or a geocoded address, more partner rows, and the
// overlap check run as the official types. Stored text is only ever inserted with textContent.
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
  var map = null, marker = null;

  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) ? n : null;
  }
  function selectedCity() {
    return city.tagName === "SELECT" ? city.options[city.selectedIndex] : city;
  }
  function showMarker(latitude, longitude) {
    if (!map) { return; }
    if (marker) {
      marker.setLatLng([latitude, longitude]);
      return;
    }
    marker = L.marker([latitude, longitude], { draggable: true, keyboard: true }).addTo(map);
    marker.on("dragend", function () {
      var at = marker.getLatLng();
      setPoint(at.lat, at.lng);
    });
  }
  function setPoint(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    showMarker(latitude, longitude);
    scheduleCheck();
  }

  // The map: click to place the project; typing coordinates moves the marker too.
  if (window.L) {
    var element = document.getElementById("location-map");
    map = L.map(element, { scrollWheelZoom: false, maxZoom: 19 });
    window.ascnBaseLayer(map, element);  // tiles, or the offline basemap (leaflet-setup.js)
    var start = [number(lat.value), number(lon.value)];
    if (start[0] !== null && start[1] !== null) {
      showMarker(start[0], start[1]);
      map.setView(start, 14);
    } else {
      map.setView([number(selectedCity().dataset.lat), number(selectedCity().dataset.lon)], 11);
    }
    map.on("click", function (event) {
      notice.textContent = "";
      setPoint(event.latlng.lat, event.latlng.lng);
    });
    element.dataset.ready = "1";
  }
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var a = number(lat.value), b = number(lon.value);
      if (a !== null && b !== null) { showMarker(a, b); map && map.setView([a, b], map.getZoom()); }
    });
  });
  if (city.tagName === "SELECT") {
    form.elements.country.value = selectedCity().dataset.country;
    city.addEventListener("change", function () {
      var option = selectedCity();
      form.elements.country.value = option.dataset.country;
      if (map && !marker) { map.setView([number(option.dataset.lat), number(option.dataset.lon)], 11); }
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
