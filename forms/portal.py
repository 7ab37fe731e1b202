"""WTForms classes for the public portal, one per question page, with GOV.UK widgets and messages.

Wording changes with who is asking (``rights.journey.audience``): a person asking for themself, a child or
young person (plain words a 12-year-old understands), a parent or carer, or a representative. Each form
turns its data into the page's entry in the answers (``to_answer``) and back (``initial``), so answers
survive an error, a "change" link and the idle timeout in the same shape.

Error messages follow the GOV.UK Design System's patterns ("Enter ...", "... must be a real date").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from forms import options
from rights.clock import LONDON
from rights.identifiers import format_nhs_number, normalise_nhs_number, normalise_postcode
from rights.models import AuthorityBasis, RequesterRole, RequestKind
from rights.privacy_notice import PrivacyNotice

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


ROLE_CHOICES = [
    (RequesterRole.SELF_ADULT.value, "Myself, and I am 18 or over"),
    (RequesterRole.SELF_CHILD.value, "Myself, and I am under 18"),
    (RequesterRole.PARENT.value, "My child, or a child I have parental responsibility for"),
    (RequesterRole.REPRESENTATIVE.value, "Someone I represent"),
]
ROLE_HINTS = {
    RequesterRole.SELF_CHILD.value: "For children and young people. We will use simple words.",
    RequesterRole.PARENT.value: "For example, as their parent or guardian.",
    RequesterRole.REPRESENTATIVE.value: "For example, as their solicitor, advocate, attorney or deputy. "
                                        "You will need to upload your authority to act for them.",
}


class WhoForm(PortalForm):
    title = "Who is the information about?"
    role = radios("Who is the information about?", ROLE_CHOICES, "Select who the information is about")

    def configure(self) -> None:
        self.role.item_hints = [ROLE_HINTS.get(value, "") for value, _ in ROLE_CHOICES]  # type: ignore[attr-defined]


KIND_CHOICES: dict[str, list[tuple[str, str, str]]] = {
    "self": [
        (RequestKind.ACCESS.value, "Get a copy of information", "Ask for a copy of the information we hold."),
        (RequestKind.RECTIFICATION.value, "Correct information",
         "Tell us about information that is wrong or incomplete."),
        (RequestKind.ERASURE.value, "Delete information", "Ask us to delete information we hold."),
        (RequestKind.RESTRICTION.value, "Restrict the use of information",
         "Ask us to keep information but limit how we use it, for example while we check it is right."),
        (RequestKind.OBJECTION.value, "Object to the use of information",
         "Ask us to stop using information in a particular way."),
        (RequestKind.COMPLAINT.value, "Complain about how we handled information",
         "Tell us if you are unhappy with how we used or looked after information, or dealt with a request."),
    ],
    "young": [
        (RequestKind.ACCESS.value, "See the information you have about me", "We send you a copy."),
        (RequestKind.RECTIFICATION.value, "Fix information about me that is wrong", "Or add something missing."),
        (RequestKind.ERASURE.value, "Ask you to delete information about me", ""),
        (RequestKind.RESTRICTION.value, "Ask you to stop using information about me for now",
         "For example, while you check if it is right."),
        (RequestKind.OBJECTION.value, "Ask you to stop using information about me in a certain way", ""),
        (RequestKind.COMPLAINT.value, "Complain about how you looked after my information", ""),
    ],
}


class TypeForm(PortalForm):
    TITLES: ClassVar[dict[str, str]] = {"self": "What do you want to do?"}
    kind = radios("What do you want to do?", [(k, label) for k, label, _ in KIND_CHOICES["self"]],
                  "Select what you want to do")

    def configure(self) -> None:
        choices = KIND_CHOICES["young" if self.audience == "young" else "self"]
        self.kind.choices = options([(k, label) for k, label, _ in choices])
        self.kind.item_hints = [h for _, _, h in choices]  # type: ignore[attr-defined]


PARENT_RELATIONSHIPS = [
    ("parent", "Parent"),
    ("guardian", "Guardian or special guardian"),
    ("other_pr", "Someone else with parental responsibility, for example through a court order"),
]
REP_ROLES = [("solicitor", "Solicitor"), ("advocate", "Advocate"), ("attorney", "Attorney (power of attorney)"),
             ("deputy", "Deputy appointed by the Court of Protection")]


class ParentDetailsForm(PortalForm):
    title = "Your details"
    hint = "You are asking for information about a child you have parental responsibility for."
    given_names = text("First name or names", "Enter your first name", NAME_MAX)
    family_name = text("Last name", "Enter your last name", NAME_MAX)
    relationship = radios("What is your relationship to the child?", PARENT_RELATIONSHIPS,
                          "Select your relationship to the child")

    def to_answer(self) -> dict[str, Any]:
        return {**super().to_answer(), "role": RequesterRole.PARENT.value}


class RepresentativeDetailsForm(PortalForm):
    title = "Your details"
    hint = "You are acting for someone else. We will ask for your authority on a later page."
    given_names = text("First name or names", "Enter your first name", NAME_MAX)
    family_name = text("Last name", "Enter your last name", NAME_MAX)
    organisation = text("Organisation (optional)", None, LINE_MAX,
                        description="For example, the name of your firm or advocacy service")
    rep_role = radios("How are you acting for them?", REP_ROLES, "Select how you are acting for them")

    def to_answer(self) -> dict[str, Any]:
        return {**super().to_answer(), "role": RequesterRole.REPRESENTATIVE.value}


CHILD_VIEWS = [
    ("knows_agrees", "Yes, they know and agree"),
    ("knows_disagrees", "They know, but do not agree"),
    ("does_not_know", "They do not know about it"),
    ("too_young", "They are too young to understand"),
]


class ChildForm(PortalForm):
    title = "About the child"
    hint = ("Children can make their own requests when they understand what that means, often from about "
            "age 12. We take the child's views into account.")
    age = text("How old is the child?", "Enter the child's age", 3, description="In years, for example 9")
    view = radios("Does the child know about this request, and agree to it?", CHILD_VIEWS,
                  "Select whether the child knows about and agrees to this request")

    def validate_age(self, field: Any) -> None:
        if not field.data.isdigit():
            raise ValidationError("Age must be a number, like 9")
        if int(field.data) >= 18:
            raise ValidationError("The child must be under 18. An adult needs to ask for themself, or you can "
                                  "act as their representative")


AUTHORITY_CHOICES = [
    (AuthorityBasis.SIGNED_CONSENT.value, "Their signed consent"),
    (AuthorityBasis.POWER_OF_ATTORNEY.value, "Lasting or enduring power of attorney"),
    (AuthorityBasis.DEPUTYSHIP.value, "Deputyship order from the Court of Protection"),
    (AuthorityBasis.COURT_ORDER.value, "Another court order"),
]


class UploadForm(PortalForm):
    """A page with a file input; the view checks the file (rights.uploads), the form only its presence."""

    file = FileField("Upload a file", widget=GovFileInput())
    purpose: ClassVar[str] = "proof_of_id"


class AuthorityForm(UploadForm):
    title = "Upload your authority to act"
    hint = ("We need to see that the person has authorised you, or that you have legal authority to act for "
            "them. We start the time limit when we have it.")
    purpose = "authority"
    basis = radios("What authority do you have?", AUTHORITY_CHOICES, "Select what authority you have")

    def configure(self) -> None:
        self.file.label.text = "Upload a copy of the document"
        self.file.description = "A PDF, JPG or PNG"


class ProofOfIdForm(UploadForm):
    TITLES: ClassVar[dict[str, str]] = {
        "self": "Upload proof of your identity (optional)",
        "young": "Upload something that shows who you are (optional)",
        "parent": "Upload proof of your identity (optional)",
        "representative": "Upload proof of identity (optional)",
    }
    HINTS: ClassVar[dict[str, str]] = {
        "self": "For example, your passport, driving licence or a recent letter addressed to you. You do not have "
                "to send it now, but we may ask for it before we can reply.",
        "young": "For example, your passport, a school ID card or a letter sent to you. If you do not have one, "
                 "you can skip this. We might ask you later.",
        "parent": "For example, your passport or driving licence. We may also ask for proof that you have "
                  "parental responsibility, such as the child's birth certificate.",
        "representative": "Proof of your own identity or of the person you represent. You do not have to send it "
                          "now, but we may ask for it before we can reply.",
    }
    purpose = "proof_of_id"

    def configure(self) -> None:
        self.file.label.text = "Upload a file (optional)"
        self.file.description = "A PDF, JPG or PNG"


# ---- the person the information is about

SUBJECT = {
    "self": {"name": "What is your name?", "prev": "Have you been known by any other names?",
             "dob": "What is your date of birth?", "address": "What is your address?",
             "prev_addr": "Have you lived at any other addresses?", "nhs": "What is your NHS number? (optional)",
             "services": "Which of our services have you been in contact with?"},
    "young": {"name": "What is your name?", "prev": "Have you ever had a different name?",
              "dob": "What is your date of birth?", "address": "Where do you live now?",
              "prev_addr": "Have you lived anywhere else?", "nhs": "Do you know your NHS number? (optional)",
              "services": "Which of these have you been involved with?"},
    "parent": {"name": "What is the child's name?", "prev": "Has the child been known by any other names?",
               "dob": "What is the child's date of birth?", "address": "What is the child's address?",
               "prev_addr": "Has the child lived at any other addresses?",
               "nhs": "What is the child's NHS number? (optional)",
               "services": "Which of our services has the child been in contact with?"},
    "representative": {"name": "What is the name of the person you represent?",
                       "prev": "Has the person you represent been known by any other names?",
                       "dob": "What is the date of birth of the person you represent?",
                       "address": "What is the address of the person you represent?",
                       "prev_addr": "Has the person you represent lived at any other addresses?",
                       "nhs": "What is the NHS number of the person you represent? (optional)",
                       "services": "Which of our services has the person you represent been in contact with?"},
}


def subject_title(key: str, audience: str) -> str:
    return SUBJECT.get(audience, SUBJECT["self"])[key]


class NameForm(PortalForm):
    given_names = text("First name or names", "Enter the first name", NAME_MAX)
    family_name = text("Last name", "Enter the last name", NAME_MAX)

    def configure(self) -> None:
        self.title = subject_title("name", self.audience)
        whose = "your" if self.audience in ("self", "young") else "their"
        set_required_message(self.given_names, f"Enter {whose} first name")
        set_required_message(self.family_name, f"Enter {whose} last name")
        if self.audience == "young":
            self.family_name.label.text = "Last name (surname)"


class PreviousNamesForm(PortalForm):
    names = area("Other names (optional)", None, 1000)
    HINTS: ClassVar[dict[str, str]] = {
        "self": "For example, a name before marriage or adoption. Write each name on a new line. "
                "Leave this empty if there are none.",
        "young": "For example, if your surname changed. Write each name on a new line. If not, leave it empty.",
        "parent": "For example, a name before adoption or a change of surname. Write each name on a new line. "
                  "Leave this empty if there are none.",
    }

    def configure(self) -> None:
        self.title = subject_title("prev", self.audience)

    @classmethod
    def initial(cls, answer: dict[str, Any]) -> dict[str, Any]:
        return {"names": "\n".join(answer.get("names", []))}

    def to_answer(self) -> dict[str, Any]:
        return {"names": [n.strip() for n in (self.names.data or "").splitlines() if n.strip()][:20]}


class DateOfBirthForm(PortalForm):
    date = GovDateField("Date of birth", what="Date of birth")
    HINTS: ClassVar[dict[str, str]] = {"self": "For example, 27 3 1990", "young": "For example, 27 3 2013",
                                       "parent": "For example, 27 3 2013"}

    def configure(self) -> None:
        self.title = subject_title("dob", self.audience)
        self.date.label.text = self.title

    def to_answer(self) -> dict[str, Any]:
        return {"date": self.date.data.isoformat()}


class AddressFields(PortalForm):
    line1 = text("Address line 1", "Enter address line 1, typically the building and street")
    line2 = text("Address line 2 (optional)")
    town = text("Town or city", "Enter town or city")
    postcode = text("Postcode", "Enter postcode", 20, checks=(postcode_check,))

    def to_answer(self) -> dict[str, Any]:
        answer = super().to_answer()
        answer["postcode"] = normalise_postcode(answer.get("postcode")) or ""
        return answer


class AddressForm(AddressFields):
    def configure(self) -> None:
        self.title = subject_title("address", self.audience)


class PreviousAddressForm(AddressFields):
    """One previous address; every box is optional until one is filled in."""

    line1 = text("Address line 1")
    town = text("Town or city")
    postcode = text("Postcode", None, 20, checks=(postcode_check,))
    HINTS: ClassVar[dict[str, str]] = {
        "self": "Add addresses where you lived while you were in contact with our services. Add one at a time. "
                "If there are none, continue without filling in an address.",
        "young": "For example, a foster home or another family home. Add one at a time. "
                 "If there are none, just continue.",
    }

    def configure(self) -> None:
        self.title = subject_title("prev_addr", self.audience)

    def is_empty(self) -> bool:
        return not any((f.data or "").strip() for f in (self.line1, self.line2, self.town, self.postcode))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_empty():
            return ok
        for field, message in ((self.line1, "Enter address line 1, typically the building and street"),
                               (self.town, "Enter town or city"), (self.postcode, "Enter postcode")):
            if not (field.data or "").strip() and not field.errors:
                add_field_error(field, message)
                ok = False
        return ok


class NhsNumberForm(PortalForm):
    nhs_number = text("NHS number (optional)", None, 20)
    HINTS: ClassVar[dict[str, str]] = {
        "self": "This helps us find health records in our shared care record. It is 10 digits long, like "
                "943 476 5919. You can find it on letters from the NHS or in the NHS App. Leave it empty if "
                "you do not know it.",
        "young": "It is 10 numbers long, like 943 476 5919. It helps us find your records. If you do not know "
                 "it, leave this empty.",
    }

    def configure(self) -> None:
        self.title = subject_title("nhs", self.audience)
        self.nhs_number.label.text = self.title

    def validate_nhs_number(self, field: Any) -> None:
        if not field.data:
            return
        digits = re.sub(r"[\s-]", "", field.data)
        if not digits.isdigit() or len(digits) != 10:
            raise ValidationError("NHS number must be 10 digits, like 943 476 5919")
        if normalise_nhs_number(field.data) is None:
            raise ValidationError("Enter a valid NHS number. Check it, or leave it empty if you are not sure")

    def to_answer(self) -> dict[str, Any]:
        return {"nhs_number": format_nhs_number(self.nhs_number.data) if self.nhs_number.data else ""}


class ServicesForm(PortalForm):
    services = SelectMultipleField("Services", widget=GovCheckboxesInput(),
                                   validators=[InputRequired(message="Select at least one service, or "
                                                                     "select 'I'm not sure'")])
    HINTS: ClassVar[dict[str, str]] = {"self": "Select all that apply.", "young": "Tick all that apply."}

    def __init__(self, *args: Any, notice: PrivacyNotice, **kwargs: Any) -> None:
        self.notice = notice
        super().__init__(*args, **kwargs)

    def configure(self) -> None:
        self.title = subject_title("services", self.audience)
        young = self.audience == "young"
        self.services.choices = options([(s.key, s.young if young else s.label) for s in self.notice.services]
                                        + [(NOT_SURE, "I'm not sure")])

    def to_answer(self) -> dict[str, Any]:
        chosen = list(self.services.data or [])
        return {"services": [NOT_SURE] if chosen == [NOT_SURE] else [c for c in chosen if c != NOT_SURE]}


class PeriodForm(PortalForm):
    """The years the information is from; both empty means all of it.

    Two optional boxes rather than radios with a conditional reveal: GOV.UK Frontend puts
    ``aria-expanded`` on conditional radios, which ARIA does not allow on a radio (axe flags it).
    """

    from_year = text("From (year)", None, 4, description="For example, 2015")
    to_year = text("To (year)", None, 4, description="For example, 2019. Leave empty for up to now")

    def configure(self) -> None:
        young = self.audience == "young"
        if self.request_kind == RequestKind.ACCESS.value:
            self.title = "Which years do you want information from?" if young else \
                "Which period do you want information from?"
        else:
            self.title = "Which years is the information from?" if young else "Which period is the information from?"
        self.hint = ("If you want all of it, leave these empty." if young else
                     "Leave both empty for all the time you have been in contact with us.")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        this_year = today().year
        years = {}
        for field in (self.from_year, self.to_year):
            value = (field.data or "").strip()
            if not value:
                continue
            if not (value.isdigit() and len(value) == 4 and 1900 <= int(value) <= this_year):
                add_field_error(field, f"Year must be 4 numbers between 1900 and {this_year}")
                ok = False
            else:
                years[field.name] = int(value)
        if ok and "to_year" in years and "from_year" not in years:
            add_field_error(self.from_year, "Enter the year the period starts")
            ok = False
        if ok and years.get("to_year") and years["to_year"] < years["from_year"]:
            add_field_error(self.to_year, "The end year must be the same as or after the start year")
            ok = False
        return ok

    def to_answer(self) -> dict[str, Any]:
        if not self.from_year.data:
            return {"scope": "all", "from_year": "", "to_year": ""}
        return {"scope": "dates", "from_year": self.from_year.data, "to_year": self.to_year.data or ""}


# ---- what they want, by request type


class DetailsForm(PortalForm):
    first = area("First", "Enter your answer")
    second = area("Second", "Enter your answer")

    def to_answer(self) -> dict[str, Any]:
        return {"kind": self.request_kind, **super().to_answer()}


DETAILS: dict[str, dict[str, Any]] = {
    RequestKind.ACCESS.value: {
        "title": {"self": "What information do you want?", "young": "What information do you want to see?"},
    },
    RequestKind.RECTIFICATION.value: {
        "title": {"self": "What needs correcting?", "young": "What is wrong?"},
        "first": ("What information is wrong or incomplete?",
                  "Tell us where it is if you know, for example a letter or a report and its date.",
                  "Enter what information is wrong or incomplete"),
        "second": ("What should it say?", "", "Enter what the information should say"),
        "young": {"first": ("What is wrong?", "Tell us where you saw it if you know.", "Tell us what is wrong"),
                  "second": ("What should it say instead?", "", "Tell us what it should say")},
    },
    RequestKind.ERASURE.value: {
        "title": {"self": "What do you want us to delete?"},
        "first": ("Which information do you want us to delete?", "", "Enter which information you want deleted"),
        "second": ("Why do you want it deleted?",
                   "For example, we no longer need it, or you withdrew your consent.",
                   "Enter why you want it deleted"),
        "young": {"first": ("What do you want us to delete?", "", "Tell us what you want deleted"),
                  "second": ("Why?", "", "Tell us why")},
    },
    RequestKind.RESTRICTION.value: {
        "title": {"self": "What do you want us to restrict?", "young": "What do you want us to stop using for now?"},
        "first": ("Which information do you want us to restrict?", "",
                  "Enter which information you want restricted"),
        "second": ("Why do you want us to restrict its use?",
                   "For example, you think it is wrong and want it left alone while we check.",
                   "Enter why you want it restricted"),
        "young": {"first": ("What information?", "", "Tell us what information"),
                  "second": ("Why?", "", "Tell us why")},
    },
    RequestKind.OBJECTION.value: {
        "title": {"self": "What do you object to?", "young": "What do you want us to stop doing?"},
        "first": ("Which information, or which use of it, do you object to?", "",
                  "Enter what you object to"),
        "second": ("Why do you object?", "Tell us about your situation and why it matters to you.",
                   "Enter why you object"),
        "young": {"first": ("What do you want us to stop doing with your information?", "",
                            "Tell us what you want us to stop doing"),
                  "second": ("Why?", "", "Tell us why")},
    },
    RequestKind.COMPLAINT.value: {
        "title": {"self": "Tell us about your complaint", "young": "Tell us what you are unhappy about"},
        "first": ("What happened?", "Include dates and who you dealt with, if you know.", "Enter what happened"),
        "second": ("What would you like us to do?", "", "Enter what you would like us to do"),
        "young": {"first": ("What happened?", "", "Tell us what happened"),
                  "second": ("What would you like us to do about it?", "", "Tell us what you would like us to do")},
    },
}


class AccessDetailsForm(DetailsForm):
    """One optional box: empty means everything (no conditional radios; see PeriodForm)."""

    first = area("Tell us what information you want", None)
    second = None  # type: ignore[assignment]

    def configure(self) -> None:
        spec = DETAILS[RequestKind.ACCESS.value]
        self.title = pick(spec["title"], self.audience)
        self.first.label.text = self.title
        self.first.description = (
            "For example, your care records from a particular time, or a report about you. If you want everything "
            "we have about you, leave this empty." if self.audience == "young" else
            "For example, records from a particular team, or about a particular event. Leave this empty if you "
            "want all the information we hold.")

    def to_answer(self) -> dict[str, Any]:
        first = (self.first.data or "").strip()
        return {"kind": self.request_kind, "scope": "specific" if first else "everything", "first": first}


class TwoQuestionDetailsForm(DetailsForm):
    def configure(self) -> None:
        spec = DETAILS[str(self.request_kind)]
        self.title = pick(spec["title"], self.audience)
        words = spec.get("young", {}) if self.audience == "young" else {}
        for name in ("first", "second"):
            label, hint, message = words.get(name) or spec[name]
            field = getattr(self, name)
            field.label.text, field.description = label, hint
            set_required_message(field, message)


def details_form_class(kind: str | None) -> type[DetailsForm]:
    return AccessDetailsForm if kind == RequestKind.ACCESS.value else TwoQuestionDetailsForm


# ---- contact and format

CONTACT_METHODS = [("email", "By email"), ("post", "By post")]


class ContactForm(PortalForm):
    methods = SelectMultipleField("How should we contact you?", choices=options(CONTACT_METHODS),
                                  widget=GovCheckboxesInput(),
                                  validators=[InputRequired(message="Select how we should contact you")])
    email = text("Email address", None, 254, checks=(email_check,))
    phone = text("Phone number (optional)", None, 20, checks=(phone_check,),
                 description="We may call if we need to check something")
    line1 = text("Address line 1")
    line2 = text("Address line 2 (optional)")
    town = text("Town or city")
    postcode = text("Postcode", None, 20, checks=(postcode_check,))

    def __init__(self, *args: Any, needs_postal: bool = False, **kwargs: Any) -> None:
        self.needs_postal = needs_postal
        super().__init__(*args, **kwargs)

    def configure(self) -> None:
        self.title = "How should we contact you?"
        self.methods.label.text = self.title
        self.email.description = ("We will send your reference and updates to this address"
                                  if self.audience != "young" else "We will send your reference and updates here")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        methods = self.methods.data or []
        if "email" in methods and not self.email.data and not self.email.errors:
            self.email.errors = [*self.email.errors, "Enter your email address"]
            ok = False
        if "post" in methods and self.needs_postal:
            for field, message in ((self.line1, "Enter address line 1, typically the building and street"),
                                   (self.town, "Enter town or city"), (self.postcode, "Enter postcode")):
                if not field.data and not field.errors:
                    add_field_error(field, message)
                    ok = False
        return ok

    @classmethod
    def initial(cls, answer: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in answer.items() if k != "postal"}, **(answer.get("postal") or {})}

    def to_answer(self) -> dict[str, Any]:
        answer = {"methods": [m for m in (self.methods.data or []) if m in ("email", "post")],
                  "email": self.email.data or "", "phone": self.phone.data or ""}
        if self.needs_postal:
            answer["postal"] = {"line1": self.line1.data or "", "line2": self.line2.data or "",
                                "town": self.town.data or "", "postcode": normalise_postcode(self.postcode.data) or ""}
        return answer


FORMATS = [
    ("email", "By email, as PDF documents"),
    ("post", "Printed copies by post"),
    ("large_print", "Large print"),
    ("easy_read", "Easy read"),
    ("braille", "Braille"),
    ("audio", "Audio"),
]
FORMAT_LABELS = dict(FORMATS)


class FormatForm(PortalForm):
    TITLES: ClassVar[dict[str, str]] = {"self": "How would you like to receive our reply?",
                                        "young": "How would you like to get our reply?"}
    format = radios("Format", FORMATS, "Select how you would like to receive our reply")

    def configure(self) -> None:
        self.format.label.text = self.title


class AdjustmentsForm(PortalForm):
    TITLES: ClassVar[dict[str, str]] = {"self": "Do you need any adjustments or support? (optional)",
                                        "young": "Is there anything that would make this easier for you? (optional)"}
    HINTS: ClassVar[dict[str, str]] = {
        "self": "For example, a British Sign Language interpreter, a phone call instead of letters, or more time "
                "to reply to us. Leave this empty if not.",
        "young": "For example, someone to explain our reply to you, or using easy words. Leave it empty if not.",
    }
    adjustments = area("Adjustments or support (optional)", None, 2000)

    def configure(self) -> None:
        self.adjustments.label.text = self.title


class CheckForm(PortalForm):
    title = "Check your answers before sending"
    declaration = BooleanField("I confirm that the information I have given is correct to the best of my knowledge",
                               widget=GovCheckboxInput(),
                               validators=[InputRequired(message="Confirm that the information you have given "
                                                                 "is correct")])

    def configure(self) -> None:
        if self.audience == "young":
            self.declaration.label.text = "I promise that what I have told you is true"
            set_required_message(self.declaration, "Tick the box to promise that what you have told us is true")
        elif self.audience in ("parent", "representative"):
            self.declaration.label.text = ("I confirm that the information I have given is correct to the best of my "
                                           "knowledge, and that I am entitled to act for the person it is about")


# ---- check progress


class ProgressStartForm(PortalForm):
    title = "Check the progress of a request"
    reference = text("Reference", "Enter your reference", 30,
                     description="This is on your confirmation email, for example SAR-2026-00001")
    email = text("Email address", "Enter the email address you gave with your request", 254,
                 checks=(email_check,), description="The email address you gave with your request")

    def validate_reference(self, field: Any) -> None:
        if not re.fullmatch(r"[A-Za-z]{2,5}[\s-]*\d{4}[\s-]*\d{1,6}", field.data or ""):
            raise ValidationError("Enter your reference in the correct format, like SAR-2026-00001")


class ProgressCodeForm(PortalForm):
    title = "Enter the code we sent you"
    code = text("Code", "Enter the code from the email", 10, description="It is 6 numbers long")


# ---- upload forms carry no data of their own in to_answer; the views store documents

STEP_FORMS: dict[str, type[PortalForm]] = {
    "who": WhoForm,
    "type": TypeForm,
    "child": ChildForm,
    "authority": AuthorityForm,
    "name": NameForm,
    "previous-names": PreviousNamesForm,
    "date-of-birth": DateOfBirthForm,
    "address": AddressForm,
    "previous-addresses": PreviousAddressForm,
    "nhs-number": NhsNumberForm,
    "services": ServicesForm,
    "period": PeriodForm,
    "proof-of-id": ProofOfIdForm,
    "contact": ContactForm,
    "format": FormatForm,
    "adjustments": AdjustmentsForm,
}


def requester_form_class(role: str | None) -> type[PortalForm]:
    return ParentDetailsForm if role == RequesterRole.PARENT.value else RepresentativeDetailsForm


__all__ = [
    "FORMAT_LABELS",
    "NOT_SURE",
    "STEP_FORMS",
    "CheckForm",
    "GovDateField",
    "PortalForm",
    "ProgressCodeForm",
    "ProgressStartForm",
    "UploadForm",
    "details_form_class",
    "requester_form_class",
]
