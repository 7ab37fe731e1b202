"""Forms of the search tasks: an officer settling a match, a record holder confirming, reporting none, uploading.

The forms only collect input; whether the action is allowed is decided by :mod:`rights.search`, and an
uploaded file is judged by its content in :mod:`rights.uploads`, never here. Each form on the record
holder's task page has its own prefix, so the page's field ids stay unique.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from forms.portal import GovDateField

DECISIONS = ("accept", "reject")


class OptionalDateField(GovDateField):
    """The portal's GOV.UK date boxes (real dates, not in the future), left empty when not known."""

    def parse(self, parts: list[str]) -> tuple[str | None, tuple[str, ...]]:
        if not any(parts):
            self.data = None
            return None, ()
        return super().parse(parts)


class DecideCandidateForm(FlaskForm):
    """Only the CSRF token: the button pressed (``decision`` = accept or reject) is the input."""


class ConfirmSearchForm(FlaskForm):
    note = TextAreaField("Note for the search log (optional)", widget=GovTextArea(),
                         description="For example, which parts of the system or which paper files you searched.",
                         validators=[Length(max=2000, message="The note must be 2,000 characters or fewer")])
    submit = SubmitField("Confirm the search", widget=GovSubmitInput())


class NoneHeldForm(FlaskForm):
    note = TextAreaField("How you searched (optional)", widget=GovTextArea(),
                         validators=[Length(max=2000, message="The note must be 2,000 characters or fewer")])
    submit = SubmitField("Report that no records are held", widget=GovSubmitInput())


class RecordUploadForm(FlaskForm):
    """The view checks the file (PDF, DOCX, JPG, PNG or text, by content, size limited)."""

    file = FileField("Upload a record", widget=GovFileInput(),
                     description="A PDF, Word document (DOCX), JPG, PNG or text file the search could not reach.")
    title = StringField("Title (optional)", widget=GovTextInput(), description="For example, Core assessment.",
                        validators=[Optional(), Length(max=300, message="The title must be 300 characters or fewer")])
    record_date = OptionalDateField("Date of the record (optional)", what="The date of the record",
                                    description="For example, 27 3 2024.")
    submit = SubmitField("Upload the record", widget=GovSubmitInput())
