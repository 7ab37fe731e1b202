"""Forms of the case list (filters, bulk actions) and the reports page.

The filter and report forms are GET forms: their state lives in the URL so a filtered list can be
bookmarked and shared, and they carry no CSRF token (they change nothing). The bulk-action form changes
cases and is a CSRF-protected POST. Choices that depend on the database are set by the view.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from forms import options
from forms.widgets import MemoGovSelect


class CaseFilterForm(FlaskForm):
    """The case list's filters; every field optional, unknown values are ignored by the view."""

    class Meta:
        csrf = False

    view = HiddenField(default="mine")
    q = StringField("Reference or subject's name", validators=[Optional(), Length(max=100)], widget=GovTextInput())
    kind = SelectField("Type", choices=[], validate_choice=False, widget=MemoGovSelect())
    stage = SelectField("Stage", choices=[], validate_choice=False, widget=MemoGovSelect())
    due = SelectField("Due", choices=[], validate_choice=False, widget=MemoGovSelect())
    assignee = SelectField("Assigned to", choices=[], validate_choice=False, widget=MemoGovSelect())
    service = SelectField("Service", choices=[], validate_choice=False, widget=MemoGovSelect())
    sort = SelectField("Order", choices=options([("due", "Due soonest first"), ("-due", "Due latest first")]),
                       validate_choice=False, widget=MemoGovSelect())
    submit = SubmitField("Apply filters", widget=GovSubmitInput())


class BulkActionForm(FlaskForm):
    """Assign the ticked cases, or remind their services' record holders. Case ids come as ``case``."""

    assignee = SelectField("Assign selected cases to", choices=[], validate_choice=False, widget=MemoGovSelect())
    back = HiddenField()  # the list's query string, to return to the same filtered page
    assign = SubmitField("Assign selected cases", widget=GovSubmitInput())
    remind = SubmitField("Remind record holders about selected cases", widget=GovSubmitInput())


class ReportPeriodForm(FlaskForm):
    """The months a report covers (inclusive) and how complaints are grouped."""

    class Meta:
        csrf = False

    start = SelectField("From", choices=[], validate_choice=False, widget=MemoGovSelect(),
                        validators=[InputRequired()])
    end = SelectField("To", choices=[], validate_choice=False, widget=MemoGovSelect(), validators=[InputRequired()])
    period = SelectField("Group complaints by", choices=options([("month", "Month"), ("quarter", "Quarter")]),
                         validate_choice=False, widget=MemoGovSelect())
    submit = SubmitField("Show report", widget=GovSubmitInput())
