"""OGC API – Features (Part 1 Core + GeoJSON) over the registry's published projects and cities."""
from smartcities.ogc.views import bp

__all__ = ["bp"]
