"""The portal's field toolkit: GOV.UK date, text, choice and radio fields with plain-English messages, the
shared checks (postcode, email, phone), and :class:`PortalForm`, the base of every page form.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from forms import options
from rights.clock import LONDON
from rights.identifiers import normalise_nhs_number, normalise_postcode

NAME_MAX = 100
LINE_MAX = 200
TEXT_MAX = 5000
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]{2,}$")
NOT_SURE = "not_sure"


def today() -> date:
    from datetime import datetime

    return datetime.now(LONDON).date()


def pick(wording: dict[str, str], audience: str) -> str:
    """The wording for this audience, falling back to the adult version."""
    return wording.get(audience) or wording["self"]


# ---------------------------------------------------------------- fields


class SafeGovDateInput(GovDateInput):
    """GOV.UK date input that tolerates missing parts in a crafted POST and marks only the wrong parts."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = ([*list(field.raw_data), "", "", ""])[:3]
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        wrong = getattr(field, "wrong_parts", ())
        if field.errors and wrong:
            for item, part in zip(params["items"], ("day", "month", "year"), strict=True):
                if part not in wrong:
                    item["classes"] = item["classes"].replace("govuk-input--error", "").strip()
        return params


class GovDateField(Field):
    """Day, month and year boxes with the GOV.UK date validation messages.

    ``what`` is the name used in messages ("Date of birth"). Impossible dates (31 2 2010) and,
    unless ``allow_future``, future dates are refused with their own message; the boxes keep what
    was typed so nothing is lost.
    """

    widget = SafeGovDateInput()

    def __init__(self, label: str | None = None, validators: Any = None, *, what: str = "Date",
                 allow_future: bool = False, earliest: date = date(1900, 1, 1), **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.what = what
        self.allow_future = allow_future
        self.earliest = earliest
        self.problem: str | None = None
        self.wrong_parts: tuple[str, ...] = ()

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if isinstance(self.data, date) else ""

    def process_data(self, value: Any) -> None:
        self.data = date.fromisoformat(value) if isinstance(value, str) and value else value

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [(v or "").strip() for v in ([*list(valuelist), "", "", ""])[:3]]
        self.raw_data = parts
        self.data = None
        self.problem, self.wrong_parts = self.parse(parts)

    def parse(self, parts: list[str]) -> tuple[str | None, tuple[str, ...]]:
        names = ("day", "month", "year")
        missing = tuple(n for n, v in zip(names, parts, strict=True) if not v)
        what = self.what
        if len(missing) == 3:
            return f"Enter {what[0].lower()}{what[1:]}", names
        if missing:
            return f"{what} must include a {' and '.join(missing)}", missing
        if not all(p.isdigit() for p in parts):
            wrong = tuple(n for n, v in zip(names, parts, strict=True) if not v.isdigit())
            return f"{what} must be a real date", wrong
        if len(parts[2]) != 4:
            return "Year must include 4 numbers", ("year",)
        try:
            value = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return f"{what} must be a real date", names
        if not self.allow_future and value > today():
            return f"{what} must be in the past", names
        if value < self.earliest:
            return f"{what} must be the same as or after {self.earliest.day} January {self.earliest.year}", ("year",)
        self.data = value
        return None, ()

    def pre_validate(self, form: Any) -> None:
        if self.problem:
            raise StopValidation(self.problem)


def required(message: str) -> InputRequired:
    return InputRequired(message=message)


def set_required_message(field: Any, message: str) -> None:
    """Change a field's "missing" message for this form only (validator objects are shared by all forms)."""
    field.validators = [required(message) if isinstance(v, InputRequired) else v for v in field.validators]
    if isinstance(field, ChoiceField):
        field.message = message


def text(label: str, message: str | None = None, max_len: int = LINE_MAX, *, checks: tuple[Any, ...] = (),
         **kwargs: Any) -> StringField:
    too_long = f"{label.split(' (')[0]} must be {max_len} characters or fewer"
    validators: list[Any] = [required(message) if message else Optional(), Length(max=max_len, message=too_long),
                             *checks]
    return StringField(label, validators=validators, widget=GovTextInput(), filters=[_strip], **kwargs)


def area(label: str, message: str | None = None, max_len: int = TEXT_MAX, **kwargs: Any) -> TextAreaField:
    validators: list[Any] = [required(message) if message else Optional(),
                             Length(max=max_len, message=f"Your answer must be {max_len} characters or fewer")]
    return TextAreaField(label, validators=validators, widget=GovTextArea(), filters=[_strip], **kwargs)


class ChoiceField(RadioField):
    """Radios whose one message covers both "nothing selected" and a value that is not offered."""

    def __init__(self, label: str | None = None, validators: Any = None, *, message: str = "Select an option",
                 **kwargs: Any) -> None:
        super().__init__(label, validators, widget=GovRadioInput(), **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data not in labels(self):
            raise StopValidation(self.message)


def labels(field: Any) -> dict[str, str]:
    """value -> label for a choice field."""
    return {c.value: c.label for c in field.choices or []}


def radios(label: str, choices: list[tuple[str, str]], message: str) -> ChoiceField:
    return ChoiceField(label, choices=options(choices), message=message)


def add_field_error(field: Any, message: str) -> None:
    field.errors = [*list(field.errors or []), message]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def postcode_check(form: Any, field: Any) -> None:
    if field.data and normalise_postcode(field.data) is None:
        raise ValidationError("Enter a full UK postcode, like SY3 8HQ")


def nhs_check(form: Any, field: Any) -> None:
    """An NHS number, if given, is 10 digits with a valid check digit (the portal and officers alike)."""
    if not field.data:
        return
    digits = re.sub(r"[\s-]", "", field.data)
    if not digits.isdigit() or len(digits) != 10:
        raise ValidationError("NHS number must be 10 digits, like 943 476 5919")
    if normalise_nhs_number(field.data) is None:
        raise ValidationError("Enter a valid NHS number. Check it, or leave it empty if you are not sure")


def email_check(form: Any, field: Any) -> None:
    if field.data and (len(field.data) > 254 or not EMAIL_RE.match(field.data)):
        raise ValidationError("Enter an email address in the correct format, like name@example.com")


def phone_check(form: Any, field: Any) -> None:
    if field.data and not re.fullmatch(r"\+?[\d\s()-]{7,20}", field.data):
        raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")


# ---------------------------------------------------------------- page forms


class PortalForm(FlaskForm):
    """A question page. ``title`` is the page's heading and <title>; ``hint`` sits under it."""

    title: str = ""
    hint: str = ""
    TITLES: ClassVar[dict[str, str]] = {}
    HINTS: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, audience: str = "self", request_kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audience = audience
        self.request_kind = request_kind
        self.title = pick(self.TITLES, audience) if self.TITLES else self.title
        self.hint = pick(self.HINTS, audience) if self.HINTS else ""
        self.configure()

    def configure(self) -> None:
        """Adjust labels and choices to the audience (override per form)."""

    @classmethod
    def initial(cls, answer: dict[str, Any]) -> dict[str, Any]:
        """Form data from the saved answer (the same keys by default)."""
        return dict(answer)

    def to_answer(self) -> dict[str, Any]:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "submit") and not isinstance(field, FileField)}

    def item_params(self, name: str) -> list[dict[str, Any]]:
        """Per-option parameters for radios (their hints), merged by the widget in order."""
        hints = getattr(self[name], "item_hints", [])
        return [{"hint": {"text": h}} if h else {} for h in hints]

