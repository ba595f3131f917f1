"""JSON Feed 1.1 of the registry's projects (network, city and country feeds)."""
from smartcities.feeds.views import bp

__all__ = ["bp"]
