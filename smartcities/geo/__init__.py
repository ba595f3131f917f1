"""Member states, cities, the offline gazetteer and geodesic helpers."""
