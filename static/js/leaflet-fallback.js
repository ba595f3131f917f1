// Runs right after the CDN tags: when the CDN was blocked or failed its integrity check, load our copy.
(function () {
  var me = document.currentScript;
  var cssLoaded = Array.prototype.some.call(document.styleSheets, function (sheet) {
    try { return /leaflet\.css/.test(sheet.href || "") && sheet.cssRules.length > 0; } catch (e) { return false; }
  });
  if (!cssLoaded) {
    var link = document.createElement("link");
    link.rel = "stylesheet"; link.href = me.dataset.css;
    document.head.appendChild(link);
  }
  // document.write keeps the script synchronous, so page scripts after us still find window.L.
  if (!window.L) {
    document.write('<script src="' + me.dataset.leaflet + '"><\/script>');
  }
})();
