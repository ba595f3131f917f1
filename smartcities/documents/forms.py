"""The document form: a file or a link, with title, language, IATI category and date (Flask-WTF, CSRF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField

from smartcities.documents.categories import CATEGORIES


class DocumentForm(FlaskForm):
    """Field names are the CLI's options: file or url, title, language, category, document_date (the service
    checks every value, so the form, the CLI and the API refuse alike)."""

    file = FileField(_l("File (PDF, DOCX, XLSX, ODT, ODS, PNG or JPEG)"))
    url = StringField(_l("Or a link (https://…)"))
    title = StringField(_l("Title"))
    language = StringField(_l("Language (ISO 639-1, e.g. en, th)"), default="en")
    category = SelectField(_l("IATI document category"), choices=[("", "—")] + [
        (code, f"{code} {name}") for code, name in CATEGORIES.items()], default="", validate_choice=False)
    document_date = StringField(_l("Date (YYYY-MM-DD)"))
