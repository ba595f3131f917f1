// Runs right after the CDN tags: when the CDN was blocked or failed its integrity check, load our copies.
(function () {
  var me = document.currentScript;
  var cssLoaded = Array.prototype.some.call(document.styleSheets, function (sheet) {
    try { return /leaflet\.css/.test(sheet.href || "") && sheet.cssRules.length > 0; } catch (e) { return false; }
  });
  if (!cssLoaded) {
    me.dataset.css.split(" ").forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "stylesheet"; link.href = href;
      document.head.appendChild(link);
    });
  }
  // document.write keeps the scripts synchronous, so page scripts after us still find window.L.
  if (!window.L) {
    document.write('<script src="' + me.dataset.leaflet + '"><\/script>');
    document.write('<script src="' + me.dataset.markercluster + '"><\/script>');
  } else if (!L.markerClusterGroup) {
    document.write('<script src="' + me.dataset.markercluster + '"><\/script>');
  }
})();
