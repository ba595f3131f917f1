"""The plan form: a plan and its initiatives, posted as one Plan-file entry."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, IntegerField, SelectField, SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from smartcities.plans.plan_file import FIRST_YEAR, LAST_YEAR, MAX_TEXT, PLAN_ID, PLAN_ID_RULE
from smartcities.projects.forms import Clean

BLANK_INITIATIVE_ROWS = 3


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InitiativeForm(Form):
    id = HiddenField()  # the initiative's stable key; empty in a new row
    title = StringField(_l("Initiative"), validators=[Clean(300)])
    description = TextAreaField(_l("Description"), validators=[Clean(MAX_TEXT, multiline=True)])
    focus_areas = CheckboxList(_l("Focus areas (if different from the plan's)"), choices=[])


class PlanForm(FlaskForm):
    # Clean first, so that a NUL or a line break is named as such, not as a plan id of the wrong form.
    id = StringField(_l("Plan id"), validators=[InputRequired(), Clean(64), Regexp(rf"{PLAN_ID.pattern}\Z",
                                                                                  message=PLAN_ID_RULE)],
                     description=_l("A stable reference, e.g. th-bangkok-2026; used by the Plan file."))
    country = SelectField(_l("Country"), choices=[])
    level = SelectField(_l("Level"), choices=[("national", _l("National plan")), ("city", _l("City action plan"))])
    city = SelectField(_l("City (city action plans)"), choices=[])
    title = StringField(_l("Title"), validators=[InputRequired(), Clean(300)])
    start_year = IntegerField(_l("First year"), validators=[InputRequired(), NumberRange(FIRST_YEAR, LAST_YEAR)])
    end_year = IntegerField(_l("Last year (empty: open-ended)"),
                            validators=[Optional(), NumberRange(FIRST_YEAR, LAST_YEAR)])
    focus_areas = CheckboxList(_l("Focus areas"), choices=[])
    summary = TextAreaField(_l("Summary"), validators=[Clean(MAX_TEXT, multiline=True)])
    source = TextAreaField(_l("Source"), validators=[Clean(MAX_TEXT, multiline=True)])
    initiatives = FieldList(FormField(InitiativeForm), min_entries=1)
    version = HiddenField()  # the plan's version when the form was loaded: a stale save is refused

    def loaded_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None

    def filled_rows(self) -> list[int]:
        """Indexes of the initiative rows that hold something (blank rows are spare ones)."""
        return [n for n, row in enumerate(self.initiatives)
                if (row.form.title.data or "").strip() or (row.form.description.data or "").strip()]

    def as_plan_file_entry(self) -> dict:
        """The form's values in the Plan file format, blank initiative rows left out."""
        rows = [self.initiatives[n] for n in self.filled_rows()]
        return {
            "id": (self.id.data or "").strip(), "country": self.country.data, "level": self.level.data,
            "city": self.city.data or None, "title": self.title.data,
            "period": {"start": self.start_year.data, "end": self.end_year.data},
            "focus_areas": self.focus_areas.data, "summary": self.summary.data, "source": self.source.data,
            "initiatives": [{"id": row.form.id.data or None, "title": row.form.title.data,
                             "description": row.form.description.data, "focus_areas": row.form.focus_areas.data}
                            for row in rows],
        }


def form_field_name(error_key: str, filled_rows: list[int]) -> str:
    """Map a Plan-file error path (period.end, initiatives[2].title) to the form field's name."""
    key = error_key.replace("period.start", "start_year").replace("period.end", "end_year")
    if key.startswith("initiatives["):
        index, _, rest = key[len("initiatives["):].partition("].")
        return f"initiatives-{filled_rows[int(index)]}-{rest}"
    return key
