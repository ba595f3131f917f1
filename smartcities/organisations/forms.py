"""The partner-profile form: field names are the profile's own; the service (profiles.clean_profile) validates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField

from smartcities.organisations.models import INSTRUMENTS, PartnerProfile


class ProfileForm(FlaskForm):
    """What the organisation funds; choices are filled from the database by the view."""

    focus_areas = SelectMultipleField(_l("Focus areas"), choices=[], validate_choice=False)
    countries = SelectMultipleField(_l("Countries"), choices=[], validate_choice=False)
    instruments = SelectMultipleField(_l("Instruments"), validate_choice=False,
                                      choices=[(key, _l(label)) for key, label in INSTRUMENTS.items()])
    ticket_min = StringField(_l("Typical ticket: from"))
    ticket_max = StringField(_l("to"))
    currency = StringField(_l("Currency (ISO 4217, e.g. USD)"))
    statement = TextAreaField(_l("What you fund, in a few sentences"))
    tell_matches = BooleanField(_l("Tell our users when a published project seeking funding matches this profile"))

    def fill(self, profile: PartnerProfile | None) -> None:
        """Show the stored profile on a fresh form."""
        if profile is None:
            return
        self.focus_areas.data, self.countries.data = list(profile.focus_areas), list(profile.countries)
        self.instruments.data = list(profile.instruments)
        self.ticket_min.data = "" if profile.ticket_min is None else str(profile.ticket_min)
        self.ticket_max.data = "" if profile.ticket_max is None else str(profile.ticket_max)
        self.currency.data, self.statement.data = profile.currency or "", profile.statement
        self.tell_matches.data = profile.tell_matches

    def values(self) -> dict:
        """The raw values for the service."""
        return {name: getattr(self, name).data for name in
                ("focus_areas", "countries", "instruments", "ticket_min", "ticket_max", "currency", "statement",
                 "tell_matches")}
