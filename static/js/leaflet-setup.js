// Marker icons come from our vendored Leaflet, whichever copy of the script loaded.
if (window.L) { L.Icon.Default.imagePath = document.currentScript.dataset.images; }
