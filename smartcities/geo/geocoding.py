"""Address to coordinates: Nominatim (geopy) when reachable, else our gazetteer of seeded places or the city centre."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim
from sqlalchemy import select

from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.geo.services import find_city

SOURCES = ("geocoder", "gazetteer", "city")


@dataclass(frozen=True)
class Result:
    """A located point; `source` is one of SOURCES and `notice` tells the person what happened, if anything."""

    lat: float
    lon: float
    label: str
    source: str
    notice: str = ""


def geocode(query: str, city: City | None) -> Result | None:
    """Locate `query` near `city`; never raises because an online service is down (None: nothing to go on)."""
    query = (query or "").strip()
    notice = ""
    if query and current_app.config.get("GEOCODER") == "nominatim":
        try:
            found = _nominatim().geocode(_near(query, city), exactly_one=True, language="en",
                                         country_codes=city.country_code.lower() if city else None)
        except (GeopyError, OSError) as error:  # unreachable, timed out, refused, rate limited...
            current_app.logger.warning("geocoder unavailable: %s", error)
            notice = _("The address service cannot be reached right now.")
        else:
            if found is not None:
                return Result(found.latitude, found.longitude, found.address, "geocoder")
            notice = _("The address service did not find this address.")
    place = gazetteer(query, city) if query else None
    if place is not None:
        return Result(place.latitude, place.longitude, place.name, "gazetteer",
                      _join(notice, _("Placed at %(place)s from our own list of places; click the map to refine.",
                                      place=place.name)))
    if city is not None:
        return Result(city.latitude, city.longitude, city.name, "city",
                      _join(notice, _("Placed at the centre of %(city)s; click the map to refine.",
                                      city=city.name)) if query else notice)
    return None


def gazetteer(query: str, city: City | None = None) -> City | None:
    """A seeded place named by the query, or mentioned in it (longest name first, the city's country first)."""
    exact = find_city(query)
    if exact is not None:
        return exact
    text = query.lower()
    mentioned = [p for p in db.session.scalars(select(City))
                 if any(re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text)
                        for name in (p.name, p.local_name) if name)]
    if not mentioned:
        return None
    home = city.country_code if city is not None else None
    return sorted(mentioned, key=lambda p: (p.country_code != home, -len(p.name)))[0]


def _nominatim() -> Nominatim:
    config = current_app.config
    return Nominatim(user_agent=config["GEOCODER_USER_AGENT"], timeout=config["GEOCODER_TIMEOUT"])


def _near(query: str, city: City | None) -> str:
    """Bias the search to the project's city unless the address already names it."""
    if city is None or city.name.lower() in query.lower():
        return query
    return f"{query}, {city.name}"


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)
