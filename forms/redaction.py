"""Forms of the redaction review page: adding a redaction by its words, withholding a record.

The forms collect input only: whether the code exists and the words are in the record is decided by
:mod:`rights.redaction` (one home for the codes). Each form has its own prefix so the page's field ids
stay unique. Accepting or rejecting is a button on a CSRF-only form (:class:`DecideForm`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, FloatField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from forms import options
from rights.redaction import CODES


def code_choices() -> list:  # type: ignore[type-arg]
    return options([(code, f"{code}: {c.meaning} ({c.reference})") for code, c in CODES.items()])


class DecideForm(FlaskForm):
    """Only the CSRF token: the button pressed (``decision`` = accept or reject) is the input."""


class AddRedactionForm(FlaskForm):
    words = TextAreaField("Words to redact", widget=GovTextArea(),
                          description="Type or paste the words exactly as they appear in the record, or select "
                                      "them in the text. Every place they occur is redacted, unless you choose only "
                                      "the place you selected.",
                          validators=[InputRequired("Enter the words to redact"),
                                      Length(max=500, message="Enter at most 500 characters")])
    code = SelectField("Exemption code", widget=GovSelect(), validators=[InputRequired("Choose a code")])
    across = BooleanField("Also redact these words in every other record of this request",
                          widget=GovCheckboxInput())
    #: Where in the record's text the officer selected the words (set by the page's script, which also
    #: shows ``only_selected``; without a script both stay empty and every place is redacted).
    at = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])
    only_selected = BooleanField("Only the place I selected in the text, not every place these words appear",
                                 widget=GovCheckboxInput())
    submit = SubmitField("Add the redaction", widget=GovSubmitInput())

    def validate_only_selected(self, field: BooleanField) -> None:
        if field.data and self.at.data is None:
            raise ValidationError("Select the words in the record's text first, or untick this box")
        if field.data and self.across.data:
            raise ValidationError("Redact either only the place you selected or every record of the request")

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.code.choices = code_choices()


class WithholdForm(FlaskForm):
    code = SelectField("Exemption code", widget=GovSelect(), validators=[InputRequired("Choose a code")])
    note = TextAreaField("Note (optional)", widget=GovTextArea(),
                         validators=[Length(max=2000, message="The note must be 2,000 characters or fewer")])
    submit = SubmitField("Withhold the whole record", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.code.choices = code_choices()


def _percent(label: str, missing: str) -> FloatField:
    """An edge or side of a scan region, in per cent of the page (whether it fits the page: the domain)."""
    return FloatField(label, widget=GovTextInput(),
                      validators=[InputRequired(missing),
                                  NumberRange(min=0, max=100, message="Enter a percentage from 0 to 100")])


class AddRegionForm(FlaskForm):
    """A rectangle on one page of a scan, in per cent of the page from its top left corner.

    Typed, or filled in by drawing on the page (the page's script); the domain checks it lies on a page.
    """

    page = IntegerField("Page", widget=GovTextInput(),
                        validators=[InputRequired("Enter the page number"),
                                    NumberRange(min=1, max=100_000, message="Enter a page number of the scan")])
    left = _percent("From the left edge (%)", "Enter how far from the left edge the region starts")
    top = _percent("From the top edge (%)", "Enter how far from the top edge the region starts")
    width = _percent("Width (%)", "Enter the region's width")
    height = _percent("Height (%)", "Enter the region's height")
    code = SelectField("Exemption code", widget=GovSelect(), validators=[InputRequired("Choose a code")])
    submit = SubmitField("Add the region", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.code.choices = code_choices()
