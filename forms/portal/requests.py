"""Page forms about the request: what is wanted (by request type), the services and period, contact and
format, adjustments, the check page, check-progress, and the table of page forms by journey step.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
)
from wtforms import BooleanField, SelectMultipleField
from wtforms.validators import InputRequired, ValidationError

from forms import options
from forms.portal.fields import (
    PortalForm,
    add_field_error,
    area,
    email_check,
    phone_check,
    pick,
    postcode_check,
    radios,
    set_required_message,
    text,
)
from forms.portal.people import (
    AddressForm,
    AuthorityForm,
    ChildForm,
    DateOfBirthForm,
    NameForm,
    NhsNumberForm,
    ParentDetailsForm,
    PeriodForm,
    PreviousAddressForm,
    PreviousNamesForm,
    ProofOfIdForm,
    RepresentativeDetailsForm,
    ServicesForm,
    TypeForm,
    UploadForm,
    WhoForm,
)
from rights.identifiers import normalise_postcode
from rights.models import RequesterRole, RequestKind

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


class DownloadEmailForm(PortalForm):
    title = "Download our response"
    email = text("Email address", "Enter the email address you gave with your request", 254,
                 checks=(email_check,), description="The email address you gave with your request")


class ProgressCodeForm(PortalForm):
    title = "Enter the code we sent you"
    code = text("Code", "Enter the code from the email", 10, description="It is 6 numbers long")

    def validate_code(self, field: Any) -> None:
        digits = re.sub(r"\s", "", field.data or "")
        if not re.fullmatch(r"\d{6}", digits):
            raise ValidationError("Enter the code in the correct format: 6 numbers, like 123456")


class ProgressUploadForm(UploadForm):
    """Sending proof of identity or authority from the progress page (the view checks the file)."""

    title = "Send what we asked for"

    def configure(self) -> None:
        self.file.label.text = "Upload a file"
        self.file.description = "A PDF, JPG or PNG"


class ClarificationAnswerForm(PortalForm):
    """Answering the council's question from the progress page: the paused time limit restarts today."""

    title = "Answer our question"
    answer = area("Your answer", "Enter your answer", 5000,
                  description="Tell us what we asked about, for example the dates, services or records you mean.")


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


