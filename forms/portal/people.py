"""Page forms about the people: who is asking, the request type, a parent's or representative's details,
the child's view, authority, proof of identity, and the subject's names, date of birth and addresses.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
)
from wtforms import SelectMultipleField
from wtforms.validators import InputRequired, ValidationError

from forms import options
from forms.portal.fields import (
    LINE_MAX,
    NAME_MAX,
    NOT_SURE,
    GovDateField,
    PortalForm,
    add_field_error,
    area,
    nhs_check,
    postcode_check,
    radios,
    set_required_message,
    text,
    today,
)
from rights.identifiers import format_nhs_number, normalise_postcode
from rights.models import AuthorityBasis, RequesterRole, RequestKind
from rights.privacy_notice import PrivacyNotice

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
    # Room for a word ("five"): the rule below asks for a number, not the length check.
    age = text("How old is the child?", "Enter the child's age", 20, description="In years, for example 9")
    view = radios("Does the child know about this request, and agree to it?", CHILD_VIEWS,
                  "Select whether the child knows about and agrees to this request")

    def validate_age(self, field: Any) -> None:
        if not field.data.strip().isdigit():
            raise ValidationError("Enter the child's age as a number, like 5")
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
        nhs_check(self, field)

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
        whose = {"parent": "the child has", "representative": "the person has"}.get(self.audience, "you have")
        self.hint = ("If you want all of it, leave these empty." if young else
                     f"Leave both empty for all the time {whose} been in contact with us.")

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


