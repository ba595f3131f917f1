"""Partner profiles: what an organisation says it funds, validated, saved (audited) and shown in open data."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from smartcities import public_version
from smartcities.accounts.permissions import require
from smartcities.audit.services import record
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import Country
from smartcities.organisations.models import INSTRUMENTS, Organisation, PartnerProfile
from smartcities.projects.models import FocusArea
from smartcities.projects.validation import parse_amount, parse_currency
from smartcities.text import FieldError, clean_text

MAX_STATEMENT = 2000
MAX_SOURCE = 2000
FIELDS = ("focus_areas", "countries", "instruments", "ticket_min", "ticket_max", "currency", "statement", "source",
          "tell_matches")


def _items(value: Any) -> list[str]:
    """A list from a list, or from text separated by ';' or ','."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", ";").split(";")
    if not isinstance(value, (list, tuple)):
        raise FieldError(_("must be a list"))
    return [str(item).strip() for item in value if str(item).strip()]


def _known(raw: list[str], known: dict[str, str], what: str) -> list[str]:
    """Each item mapped to its canonical value (any case); an unknown one is refused by name."""
    found: list[str] = []
    for item in raw:
        value = known.get(item.lower())
        if value is None:
            raise FieldError(_("%(item)s is not a known %(what)s", item=item, what=what))
        if value not in found:
            found.append(value)
    return found


def vocabulary() -> dict[str, dict[str, str]]:
    """What a profile may name: focus areas (by slug or name), ASEAN country codes, instruments."""
    areas = {}
    for slug, name in db.session.execute(select(FocusArea.slug, FocusArea.name)):
        areas[slug.lower()] = areas[name.lower()] = slug
    countries = {code.lower(): code for code in db.session.scalars(select(Country.code))}
    instruments = {}
    for key, label in INSTRUMENTS.items():
        instruments[key] = instruments[label.lower()] = instruments[key.replace("_", " ")] = key
    return {"focus_areas": areas, "countries": countries, "instruments": instruments}


def clean_profile(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated profile values from raw ones (form or JSON); ValidationError names every bad field."""
    words = vocabulary()
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    labels = {"focus_areas": _("focus area"), "countries": _("ASEAN member country code"),
              "instruments": _("instrument (grant, loan, equity, guarantee, technical assistance)")}
    for field, label in labels.items():
        try:
            clean[field] = _known(_items(raw.get(field)), words[field], label)
        except FieldError as error:
            errors[field] = str(error)
    for field in ("ticket_min", "ticket_max"):
        try:
            value = raw.get(field)
            clean[field] = parse_amount(str(value) if isinstance(value, (Decimal, int)) else value)
        except FieldError as error:
            errors[field] = str(error)
    try:
        clean["currency"] = parse_currency(raw.get("currency"))
    except FieldError as error:
        errors["currency"] = str(error)
    low, high = clean.get("ticket_min"), clean.get("ticket_max")
    if low is not None and high is not None and low > high:
        errors["ticket_max"] = _("must be at least the minimum ticket")
    if (low is not None or high is not None) and "currency" not in errors and clean["currency"] is None:
        errors["currency"] = _("is required with a ticket range")
    for field, limit in (("statement", MAX_STATEMENT), ("source", MAX_SOURCE)):
        try:
            clean[field] = clean_text(raw.get(field), field, limit, multiline=True)
        except FieldError as error:
            errors[field] = error.problem
    if errors:
        raise ValidationError(errors)
    clean["source"] = clean["source"] or None
    clean["tell_matches"] = raw.get("tell_matches") in (True, "y", "on", "true", "1")
    return clean


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def save_profile(organisation: Organisation, raw: dict[str, Any], user) -> PartnerProfile:
    """Create or update the organisation's profile (audited); `user` None is the seed. Moves the public version."""
    if user is not None:
        require(user, "act_for_organisation", organisation)
    values = clean_profile(raw)
    if user is not None:  # the source is the seed's note; a partner's own edit keeps it unless it names one
        values["source"] = values["source"] or (organisation.profile.source if organisation.profile else None)
    profile = organisation.profile
    before = {field: getattr(profile, field) for field in FIELDS} if profile else dict.fromkeys(FIELDS)
    changes = {field: [_plain(before[field]), _plain(values[field])] for field in FIELDS
               if before[field] != values[field]}
    if profile is not None and not changes:
        return profile
    if profile is None:
        profile = PartnerProfile(organisation=organisation)
        db.session.add(profile)
    for field in FIELDS:
        setattr(profile, field, values[field])
    db.session.flush()
    record(organisation, "profile_updated", user, changes)
    if organisation.is_public:  # the profile is in /api/v1/organisations/<id> and on the public page
        public_version.bump(db.session)
    return profile


def profile_to_dict(profile: PartnerProfile | None) -> dict[str, Any] | None:
    """The profile as open data: amounts as decimal strings with their currency (never floats)."""
    from smartcities.api.serializers import iso_datetime  # the API's blueprint imports this module
    if profile is None:
        return None
    return {
        "focus_areas": list(profile.focus_areas), "countries": list(profile.countries),
        "instruments": list(profile.instruments),
        "ticket": None if profile.ticket_min is None and profile.ticket_max is None else {
            "min": _plain(profile.ticket_min), "max": _plain(profile.ticket_max), "currency": profile.currency},
        "statement": profile.statement, "source": profile.source,
        "updated_at": iso_datetime(profile.updated_at),
    }
