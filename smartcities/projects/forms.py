"""The project form (field names are the Project file's columns), its partner rows, and the interest form."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, FieldList, Form, FormField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms import ValidationError as WTFValidationError
from wtforms.validators import InputRequired

from smartcities.errors import ValidationError
from smartcities.projects import validation as v
from smartcities.projects.labels import ROLE_LABELS, STAGE_LABELS
from smartcities.projects.models import IATI_ROLES, STAGES
from smartcities.projects.sites import locations_field, parse_sites_json, sites_of


class Parsed:
    """A validator running one of the shared field parsers (projects.validation): one rule for form, API and import."""

    def __init__(self, parser: Callable[[Any], Any]):
        self.parser = parser

    def __call__(self, form, field) -> None:
        try:
            self.parser(field.data)
        except v.FieldError as error:
            raise WTFValidationError(str(error)) from None


class Clean:
    """A validator running the shared input-hygiene rule (text.clean_text) with the column's size."""

    def __init__(self, max_length: int, multiline: bool = False):
        self.max_length, self.multiline = max_length, multiline

    def __call__(self, form, field) -> None:
        try:
            v.clean_text(field.data, str(field.label.text), self.max_length, self.multiline)
        except v.FieldError as error:
            raise WTFValidationError(str(error)) from None


def _latitude(value):
    return v.parse_coordinate(value, 90, "latitude")


def _longitude(value):
    return v.parse_coordinate(value, 180, "longitude")


class ListField(SelectMultipleField):
    """Several values, posted as repeated fields (check boxes) or as one 'A; B' text, as in the Project file."""

    def process_formdata(self, valuelist):
        self.data = [item for value in valuelist for item in v.split_list(value)]


class ParticipantForm(Form):
    """One partner or stakeholder row: an organisation (existing name or a new one), its IATI role, a commitment."""

    organisation = StringField(_l("Organisation"), validators=[Clean(200)])  # Organisation.name
    # Rows a client leaves out arrive empty; validate_role checks the rows that name an organisation.
    role = SelectField(_l("Role"), choices=[("", "—")] + [(r, ROLE_LABELS[r]) for r in IATI_ROLES],
                       validate_choice=False)
    amount = StringField(_l("Committed amount"), validators=[Parsed(v.parse_amount)])
    currency = StringField(_l("Currency"), validators=[Parsed(v.parse_currency)])

    def validate_role(self, field) -> None:
        if (self.organisation.data or "").strip() and field.data not in IATI_ROLES:
            raise WTFValidationError(_l("Choose the organisation's role."))


class ProjectForm(FlaskForm):
    """The project form; partners come as rows (`participants-N-…`) and/or the `partners` text."""
    title = StringField(_l("Title"), validators=[InputRequired(), Clean(200)])
    summary = TextAreaField(_l("Summary"), validators=[Clean(2000, multiline=True)])
    description = TextAreaField(_l("Description"), validators=[Clean(20000, multiline=True)])
    city = SelectField(_l("City"), choices=[], validators=[InputRequired()])
    country = StringField(_l("Country"), validators=[Clean(2)])
    focus_areas = ListField(_l("Focus areas"), choices=[])
    stage = SelectField(_l("Stage"), choices=[(s, STAGE_LABELS[s]) for s in STAGES], default="concept")
    start_date = StringField(_l("Start date"), validators=[Parsed(v.parse_date)])
    end_date = StringField(_l("End date"), validators=[Parsed(v.parse_date)])
    budget = StringField(_l("Budget"), validators=[Parsed(v.parse_amount)])
    currency = StringField(_l("Currency (ISO 4217, e.g. USD, THB)"), validators=[Parsed(v.parse_currency)])
    seeking_funding = BooleanField(_l("Seeking funding"))
    funding_sought = StringField(_l("Funding sought"), validators=[Parsed(v.parse_amount)])
    address = StringField(_l("Address or place"), validators=[Clean(300)])
    latitude = StringField(_l("Latitude"), validators=[Parsed(_latitude)])
    longitude = StringField(_l("Longitude"), validators=[Parsed(_longitude)])
    # Every site as JSON [{"lat", "lon", "name"}] (the map keeps it); when given it wins over latitude/longitude.
    locations = HiddenField()
    participants = FieldList(FormField(ParticipantForm), min_entries=2)
    partners = TextAreaField(_l("Partners as text: Name (role); Name (role)"), validators=[Clean(4000, multiline=True)])
    # Asked for only when a name is close to a known organisation's (projects.services._misspelt_partners).
    new_partners = BooleanField(_l("Add the names not found as new organisations"))
    version = HiddenField()

    def validate_partners(self, field) -> None:
        for spec in v.split_list(field.data):
            try:
                name, _ = v.parse_partner(spec)
                v.clean_text(name, str(_l("a partner's name")), 200)  # Organisation.name
            except v.FieldError as error:
                raise WTFValidationError(str(error)) from None

    def validate_locations(self, field) -> None:
        try:
            parse_sites_json(field.data)
        except ValidationError as error:
            raise WTFValidationError("; ".join(f"{name}: {message}" for name, message in error.errors.items())) \
                from None

    def validate_end_date(self, field) -> None:
        try:
            v.check_dates(v.parse_date(self.start_date.data), v.parse_date(field.data))
        except v.FieldError as error:
            raise WTFValidationError(str(error)) from None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for row in (entry.form for entry in self.participants):
            if (row.amount.data or "").strip() and not (row.currency.data or self.currency.data or "").strip():
                row.currency.errors = [*row.currency.errors, _l("is required with an amount")]
                valid = False
        return valid

    def clean(self) -> dict[str, Any]:
        """The validated values, parsed (call after validate()); city stays a slug for the service to resolve."""
        rows = [(row.organisation.data.strip(), row.role.data, v.parse_amount(row.amount.data),
                 v.parse_currency(row.currency.data))
                for row in (entry.form for entry in self.participants) if (row.organisation.data or "").strip()]
        rows += [(name, role, None, None) for name, role in map(v.parse_partner, v.split_list(self.partners.data))]
        return {
            "title": self.title.data.strip(), "summary": (self.summary.data or "").strip(),
            "description": (self.description.data or "").strip(), "city": self.city.data,
            "country": (self.country.data or "").strip().upper() or None, "focus_areas": self.focus_areas.data,
            "stage": v.parse_stage(self.stage.data), "start_date": v.parse_date(self.start_date.data),
            "end_date": v.parse_date(self.end_date.data), "budget": v.parse_amount(self.budget.data),
            "currency": v.parse_currency(self.currency.data), "seeking_funding": bool(self.seeking_funding.data),
            "funding_sought": v.parse_amount(self.funding_sought.data),
            "address": (self.address.data or "").strip(), "latitude": _latitude(self.latitude.data),
            "longitude": _longitude(self.longitude.data), "locations": parse_sites_json(self.locations.data),
            "partners": rows,
            "new_partners": bool(self.new_partners.data),
        }


class InterestForm(FlaskForm):
    """A partner's interest: an amount with its currency, and/or a message."""
    amount = StringField(_l("Amount"), validators=[Parsed(v.parse_amount)])
    currency = StringField(_l("Currency"), validators=[Parsed(v.parse_currency)])
    message = TextAreaField(_l("Message"), validators=[Clean(4000, multiline=True)])


def initial_values(project) -> dict[str, Any]:
    """The form's values for an existing project, with one blank partner row to add another."""
    def text(value) -> str:
        return "" if value is None else str(value)
    return {
        "title": project.title, "summary": project.summary, "description": project.description,
        "city": project.city.slug, "country": project.city.country_code,
        "focus_areas": [fa.name for fa in project.focus_areas], "stage": project.stage,
        "start_date": text(project.start_date), "end_date": text(project.end_date),
        "budget": text(project.budget_amount), "currency": text(project.currency),
        "seeking_funding": project.seeking_funding, "funding_sought": text(project.funding_sought),
        "latitude": text(project.latitude), "longitude": text(project.longitude),
        "locations": locations_field(sites_of(project)), "version": str(project.version),
        "participants": [{"organisation": p.organisation.name, "role": p.role, "amount": text(p.committed_amount),
                          "currency": text(p.committed_currency)} for p in project.participations] + [{}],
    }
