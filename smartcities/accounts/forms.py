"""Sign-in, password and account forms, and `attach_errors`, which puts a service's field errors on a form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from smartcities.accounts.models import ROLE_LABELS
from smartcities.projects.forms import Clean


class LoginForm(FlaskForm):
    """Sign-in: `next` carries the page to return to (checked by `safe_next`)."""
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    """A signed-in user's new password, typed twice, with the current one."""
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(_l("New password"), validators=[InputRequired()])
    confirm = PasswordField(_l("New password again"),
                            validators=[InputRequired(), EqualTo("new_password", _l("The passwords differ."))])


class UserForm(FlaskForm):
    """An admin creating an account; which of city / country / organisation is needed depends on the role."""

    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Clean(120)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    # The service checks these against the role and names what is missing or unknown.
    city = SelectField(_l("City (city officials)"), choices=[], validate_choice=False)
    country = SelectField(_l("Country (focal points)"), choices=[], validate_choice=False)
    organisation = SelectField(_l("Organisation (partners)"), choices=[], validate_choice=False)
    password = PasswordField(_l("Initial password"), validators=[InputRequired()])


def _fields(form) -> dict[str, Field]:
    """Every field of a form by its HTML name, including the rows of FieldLists and sub-forms."""
    found: dict[str, Field] = {}
    for field in form:
        entries = getattr(field, "entries", None)
        if entries is not None:
            for entry in entries:
                found.update(_fields(entry.form) if hasattr(entry, "form") else {entry.name: entry})
        else:
            found[field.name] = field
    return found


def attach_errors(form, errors: dict[str, str]) -> list[str]:
    """Put each error on the field of that name; returns the errors that name no field (shown above the form)."""
    fields = _fields(form)
    unplaced = []
    for name, message in errors.items():
        field = fields.get(name)
        if field is None:
            unplaced.append(f"{name}: {message}")
        else:
            field.errors = [*field.errors, message]
    return unplaced
