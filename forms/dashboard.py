"""Forms of the case page (one per workflow action), logging a request, notes, the disclosure log, admin.

Which form an action uses is data (:data:`ACTION_FORMS`); whether a reason is required, and whether the
date is acceptable, is decided by the workflow table in ``rights.workflow``, so the rule lives in one
place and the form only collects the input. Choices that depend on the database are set by the view.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from forms import options
from forms.portal.fields import SafeGovDateInput, nhs_check, postcode_check
from rights.models import AuthorityBasis, Channel, RequesterRole, RequestKind, Role
from rights.vocabulary import KIND_CHOICES
from rights.workflow import (
    CHILD_VIEWS,
    COMPLAINT_OUTCOMES,
    IDENTITY_METHODS,
    PARENTAL_BASES,
    REFUSAL_GROUNDS,
    RIGHTS_OUTCOMES,
)

DATE_FORMAT = "%d %m %Y"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # a shape check; delivery is the real test


class ThreePartDateField(DateField):
    """A date typed as day, month and year boxes.

    A post without the three parts (a broken or hostile form) is an empty date: the GOV.UK widget unpacks
    exactly three values when the page is shown again, and anything else was a 500.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [*list(valuelist)[:3], "", "", ""][:3]
        self.raw_data = parts
        super().process_formdata(parts if any(p.strip() for p in parts) else [])


def _date(label: str, hint: str | None = None, required: bool = True) -> DateField:
    validators = [InputRequired("Enter the date")] if required else [Optional()]
    return ThreePartDateField(label, format=DATE_FORMAT, widget=SafeGovDateInput(), description=hint,
                              validators=validators)


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reasons", widget=GovTextArea(), validators=[Length(max=5000)])
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class DatedForm(FlaskForm):
    on = _date("Date", "For example, 27 3 2026. This is the true date, which may be in the past.")
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class DatedReasonForm(FlaskForm):
    on = _date("Date asked", "For example, 27 3 2026. This is the true date, which may be in the past.")
    reason = TextAreaField("What you asked for", widget=GovTextArea(), validators=[Length(max=5000)])
    submit = SubmitField("Confirm", widget=GovSubmitInput())


def _decision_note(label: str, hint: str) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), description=hint, validators=[Length(max=2000)])


class VerifyIdForm(FlaskForm):
    """How identity was verified: receiving a document is not verifying it (the officer's own decision)."""

    method = RadioField("How did you verify the requester's identity?", widget=GovRadioInput(),
                        choices=options(IDENTITY_METHODS.items()),
                        validators=[InputRequired("Choose how you verified their identity")])
    note = _decision_note("Note", "Which document, or how they are known to the service. Required for 'Other'.")
    submit = SubmitField("Record identity verified", widget=GovSubmitInput())


class ParentalResponsibilityForm(FlaskForm):
    basis = RadioField("What shows they have parental responsibility?", widget=GovRadioInput(),
                       choices=options(PARENTAL_BASES.items()),
                       validators=[InputRequired("Choose what shows they have parental responsibility")])
    note = _decision_note("Note", "What you saw. Required for 'Other'.")
    submit = SubmitField("Record parental responsibility checked", widget=GovSubmitInput())


class CompetenceForm(FlaskForm):
    view = RadioField("The child's view of their parent or carer seeing their records", widget=GovRadioInput(),
                      choices=options(CHILD_VIEWS.items()), validators=[InputRequired("Choose the child's view")])
    note = _decision_note("Your competence judgement",
                          "How you judged the child's understanding, and who you spoke to.")
    submit = SubmitField("Record competence and view", widget=GovSubmitInput())


class AuthorityForm(FlaskForm):
    note = _decision_note("What did you see that gives them authority to act?",
                          "For example: a signed consent from the subject dated 3 March, checked against our records.")
    submit = SubmitField("Record authority checked", widget=GovSubmitInput())


class OverrideForm(FlaskForm):
    check = SelectField("Check to override", choices=[], widget=GovSelect(),
                        validators=[InputRequired("Choose the check to override")])
    reason = TextAreaField("Why it is right to go on without it", widget=GovTextArea(),
                           description="Shown on the case and kept in the audit trail.",
                           validators=[Length(max=5000)])
    submit = SubmitField("Override the check", widget=GovSubmitInput())


class AssignForm(FlaskForm):
    assignee = SelectField("Assign to", choices=[], coerce=int, widget=GovSelect(),
                           validators=[InputRequired("Choose who to assign the case to")])
    submit = SubmitField("Assign", widget=GovSubmitInput())


class RefuseForm(FlaskForm):
    ground = RadioField("Why is the request refused?", widget=GovRadioInput(),
                        choices=options(REFUSAL_GROUNDS.items()),
                        validators=[InputRequired("Choose why the request is refused")])
    reason = TextAreaField("Reasons given to the requester", widget=GovTextArea(),
                           description="The letter also tells them they can complain to the council and the ICO.",
                           validators=[Length(max=5000)])
    submit = SubmitField("Refuse the request", widget=GovSubmitInput())


class DecideRightsForm(FlaskForm):
    outcome = RadioField("Outcome", widget=GovRadioInput(), choices=options(RIGHTS_OUTCOMES.items()),
                         validators=[InputRequired("Choose the outcome")])
    reason = TextAreaField("Reasons", widget=GovTextArea(), description="Required unless it was done in full.",
                           validators=[Length(max=5000)])
    supplementary_statement = TextAreaField(
        "Supplementary statement recorded on the record (optional)", widget=GovTextArea(),
        description="For example the person's view of an opinion they dispute (Art 16 UK GDPR).",
        validators=[Length(max=5000)])
    submit = SubmitField("Record the outcome", widget=GovSubmitInput())


class DecideComplaintForm(FlaskForm):
    outcome = RadioField("Outcome", widget=GovRadioInput(), choices=options(COMPLAINT_OUTCOMES.items()),
                         validators=[InputRequired("Choose the outcome")])
    reason = TextAreaField("What you found and what you will do", widget=GovTextArea(),
                           description="The letter also tells them they can complain to the ICO.",
                           validators=[Length(max=5000)])
    submit = SubmitField("Record the outcome and tell the complainant", widget=GovSubmitInput())


#: The form each workflow action uses (ConfirmForm when an action takes no input).
ACTION_FORMS: dict[str, type[FlaskForm]] = {
    "request_id": DatedReasonForm,
    "request_authority": DatedReasonForm,
    "id_received": DatedForm,
    "authority_received": DatedForm,
    "verify_id": VerifyIdForm,
    "check_parental_responsibility": ParentalResponsibilityForm,
    "record_competence": CompetenceForm,
    "check_authority": AuthorityForm,
    "override_check": OverrideForm,
    "pause": DatedReasonForm,
    "resume": DatedForm,
    "extend": ReasonForm,
    "refuse": RefuseForm,
    "withdraw": ReasonForm,
    "return_for_changes": ReasonForm,
    "restrict": ReasonForm,
    "lift_restriction": ReasonForm,
    "assign": AssignForm,
}

#: Labels that depend on the action (the same field means different things).
REASON_LABELS: dict[str, tuple[str, str | None]] = {
    "request_id": ("What you asked for (optional)", "Included in the email to the requester."),
    "request_authority": ("What you asked for (optional)", "Included in the email to the requester."),
    "pause": ("What clarification you asked for", "Included in the email to the requester."),
    "extend": ("Reasons for the extension", "Why the request is complex, or the number of requests. "
               "Included in the letter to the requester."),
    "withdraw": ("How the requester withdrew the request", None),
    "return_for_changes": ("What needs changing", None),
    "restrict": ("Why processing is restricted", "For example: the person contests the accuracy of the record."),
    "lift_restriction": ("Why the restriction is lifted", "The person is told before it is lifted."),
}
DATE_LABELS: dict[str, str] = {
    "request_id": "Date you asked for identity evidence",
    "request_authority": "Date you asked for evidence of authority",
    "id_received": "Date the identity evidence arrived",
    "authority_received": "Date the evidence of authority arrived",
    "pause": "Date you asked for clarification",
    "resume": "Date the clarification arrived",
}


def action_form(event: str, kind: str, formdata: object = None, today: date | None = None) -> FlaskForm:
    """Build the form for an action, labelled for it, with today's date as the default date."""
    cls = ACTION_FORMS.get(event)
    if event == "decide":
        cls = DecideComplaintForm if kind == RequestKind.COMPLAINT.value else DecideRightsForm
    cls = cls or ConfirmForm
    form = cls(formdata=formdata) if formdata is not None else cls()
    if "on" in form._fields:
        form.on.label.text = DATE_LABELS.get(event, "Date")
        if formdata is None and today is not None:
            form.on.data = today
    if "reason" in form._fields and event in REASON_LABELS:
        text, hint = REASON_LABELS[event]
        form.reason.label.text = text
        form.reason.description = hint or ""
    if "supplementary_statement" in form._fields and kind != RequestKind.RECTIFICATION.value:
        del form.supplementary_statement
    return form


class NoteForm(FlaskForm):
    body = TextAreaField("Add an internal note", widget=GovTextArea(),
                         description="Notes are for staff only and are never sent to the requester.",
                         validators=[InputRequired("Enter the note"), Length(max=10000)])
    submit = SubmitField("Add note", widget=GovSubmitInput())


class DisclosureForm(FlaskForm):
    recipient = SelectField("Recipient", choices=[], widget=GovSelect(),
                            description="From the privacy notice's list of recipients",
                            validators=[InputRequired("Choose the recipient")])
    disclosed_on = _date("Date disclosed (if known)", "For example, 27 3 2026", required=False)
    description = TextAreaField("What was disclosed (optional)", widget=GovTextArea(),
                                validators=[Length(max=2000)])
    submit = SubmitField("Add to the disclosure log", widget=GovSubmitInput())


class RecipientToldForm(FlaskForm):
    on = _date("Date the recipient was told", "For example, 27 3 2026", required=False)
    not_told_reason = TextAreaField("Or: why telling them is impossible or disproportionate", widget=GovTextArea(),
                                    validators=[Length(max=2000)])
    submit = SubmitField("Save", widget=GovSubmitInput())


_CHANNELS = [(c.value, c.value.replace("_", " ").capitalize()) for c in Channel if c is not Channel.WEB]
_ROLES = [
    (RequesterRole.SELF_ADULT.value, "The person themselves (adult)"),
    (RequesterRole.SELF_CHILD.value, "The person themselves (child or young person)"),
    (RequesterRole.PARENT.value, "A parent or carer with parental responsibility"),
    (RequesterRole.REPRESENTATIVE.value, "A representative (solicitor, advocate, attorney, deputy)"),
]
_BASES = [
    (AuthorityBasis.NONE_NEEDED.value, "None needed (asking for themselves)"),
    (AuthorityBasis.PARENTAL_RESPONSIBILITY.value, "Parental responsibility"),
    (AuthorityBasis.CHILD_CONSENT.value, "The child's consent"),
    (AuthorityBasis.SIGNED_CONSENT.value, "Signed authority"),
    (AuthorityBasis.POWER_OF_ATTORNEY.value, "Lasting power of attorney"),
    (AuthorityBasis.DEPUTYSHIP.value, "Deputyship"),
    (AuthorityBasis.COURT_ORDER.value, "Court order"),
]


class LogRequestForm(FlaskForm):
    """A request received by letter, email, phone or in person (no form is mandatory for citizens)."""

    kind = RadioField("Type of request", widget=GovRadioInput(), choices=options(KIND_CHOICES),
                      validators=[InputRequired("Choose the type of request")])
    channel = RadioField("How was it received?", widget=GovRadioInput(), choices=options(_CHANNELS),
                         validators=[InputRequired("Choose how the request was received")])
    received_on = _date("Date received", "The true date it reached the council, for example 2 3 2026. "
                        "The clock starts on this date.")
    subject_given = StringField("Given names", widget=GovTextInput(),
                                validators=[InputRequired("Enter the subject's given names"), Length(max=200)])
    subject_family = StringField("Family name", widget=GovTextInput(),
                                 validators=[InputRequired("Enter the subject's family name"), Length(max=200)])
    subject_dob = _date("Date of birth (if known)", "For example, 17 5 2012", required=False)
    # The same identity details the portal asks for, with the portal's own rules (forms.portal.fields), so
    # the matcher has an address, other names and an NHS number to compare, whichever way the request came.
    subject_previous_names = TextAreaField(
        "Other names they have been known by (optional)", widget=GovTextArea(),
        description="For example, a name before marriage or adoption. One name per line.",
        validators=[Optional(), Length(max=1000)])
    subject_line1 = StringField("Address line 1", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    subject_line2 = StringField("Address line 2 (optional)", widget=GovTextInput(),
                                validators=[Optional(), Length(max=200)])
    subject_town = StringField("Town or city", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    subject_postcode = StringField("Postcode", widget=GovTextInput(),
                                   validators=[Optional(), Length(max=20), postcode_check])
    subject_previous_addresses = TextAreaField(
        "Previous addresses (optional)", widget=GovTextArea(),
        description="One address per line, its parts separated by commas, postcode last. For example: "
                    "4 Mill Lane, Exampleton, EX1 2AB",
        validators=[Optional(), Length(max=2000)])
    subject_nhs_number = StringField("NHS number (optional)", widget=GovTextInput(),
                                     description="10 digits, like 943 476 5919.",
                                     validators=[Optional(), Length(max=20), nhs_check])
    requester_role = RadioField("Who is asking?", widget=GovRadioInput(), choices=options(_ROLES),
                                validators=[InputRequired("Choose who is asking")])
    requester_given = StringField("Requester's given names (if not the subject)", widget=GovTextInput(),
                                  validators=[Optional(), Length(max=200)])
    requester_family = StringField("Requester's family name (if not the subject)", widget=GovTextInput(),
                                   validators=[Optional(), Length(max=200)])
    requester_organisation = StringField("Organisation (representatives)", widget=GovTextInput(),
                                         validators=[Optional(), Length(max=200)])
    email = StringField("Requester's email address (if any)", widget=GovTextInput(),
                        description="Letters are emailed here; leave blank to send them by post.",
                        validators=[Optional(), Regexp(EMAIL, message="Enter an email address like name@example.com"),
                                    Length(max=254)])
    phone = StringField("Requester's phone number (if any)", widget=GovTextInput(),
                        validators=[Optional(), Length(max=40)])
    address = TextAreaField("Requester's postal address (if not the subject's address above)", widget=GovTextArea(),
                            description="One line per line of the address, postcode last. Letters are posted "
                                        "here when there is no email address.",
                            validators=[Optional(), Length(max=500)])
    authority_basis = RadioField("Basis of authority", widget=GovRadioInput(), choices=options(_BASES),
                                 default=AuthorityBasis.NONE_NEEDED.value,
                                 validators=[InputRequired("Choose the basis of authority")])
    relationship_note = TextAreaField("Relationship to the subject (optional)", widget=GovTextArea(),
                                      validators=[Optional(), Length(max=2000)])
    competence_note = TextAreaField("Competence judgement (child subjects, optional)", widget=GovTextArea(),
                                    description="Whether the child understands their rights, and their views.",
                                    validators=[Optional(), Length(max=2000)])
    services = SelectMultipleField("Services the request is about", choices=[], widget=GovCheckboxesInput(),
                                   validate_choice=False)
    description = TextAreaField("What they asked for", widget=GovTextArea(),
                                validators=[Optional(), Length(max=10000)])
    submit = SubmitField("Log the request", widget=GovSubmitInput())


class CreateUserForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter an email address"), Length(max=254),
                                    Regexp(EMAIL, message="Enter an email address like name@example.com")])
    name = StringField("Full name", widget=GovTextInput(), validators=[InputRequired("Enter their name"),
                                                                      Length(max=200)])
    role = RadioField("Role", widget=GovRadioInput(), validators=[InputRequired("Choose a role")], choices=options([
        (Role.OFFICER.value, "Information governance officer"),
        (Role.MANAGER.value, "Information governance manager (approvals, extensions, refusals)"),
        (Role.RECORD_HOLDER.value, "Service record holder (their services' cases only)"),
        (Role.ADMIN.value, "Administrator (users and sign-in; no case data)"),
    ]))
    services = SelectMultipleField("Services (record holders only)", choices=[], widget=GovCheckboxesInput(),
                                   validate_choice=False)
    submit = SubmitField("Create account", widget=GovSubmitInput())


class PostedForm(FlaskForm):
    """Marking a letter from the "to post" list as posted, with the day it went."""

    on = _date("Date posted", "For example, 27 3 2026. The day the letter went in the post.")
    submit = SubmitField("Mark as posted", widget=GovSubmitInput())
class CorrectSubjectForm(FlaskForm):
    """An officer's correction of the subject's details (the view fills in what is stored now)."""

    given_names = StringField("First names", widget=GovTextInput(),
                              validators=[InputRequired("Enter the subject's first names"), Length(max=200)])
    family_name = StringField("Last name", widget=GovTextInput(),
                              validators=[InputRequired("Enter the subject's last name"), Length(max=200)])
    date_of_birth = _date("Date of birth", "For example, 17 5 2012", required=False)
    nhs_number = StringField("NHS number (optional)", widget=GovTextInput(), validators=[Length(max=20)])
    address = TextAreaField("Current address (one line per line)", widget=GovTextArea(),
                            description="The address held now becomes a previous address.",
                            validators=[Length(max=1000)])
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[Length(max=20)])
    reason = TextAreaField("What was wrong, and where the right details come from", widget=GovTextArea(),
                           validators=[InputRequired("Say what was wrong"), Length(max=2000)])
    submit = SubmitField("Save the correction", widget=GovSubmitInput())
