"""Public pages: the home map, statistics, health checks, vendored Leaflet."""
