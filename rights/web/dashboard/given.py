"""What the requester told us, in words: the case page's "People" and "Request" rows.

Why here: the portal stores its answers as codes (``too_young``, ``email,post``, service keys) in columns,
the request's ``details`` and the people rows. An officer must see every one of them, in the words the
requester chose from. The words have one home each: the portal's forms (the choices the requester was
shown), the privacy notice (services) and the workflow (identity decisions); this module only looks
them up. Rows are (label, text) pairs, or (label, lines) where the value has several lines.
"""

from __future__ import annotations

from typing import Any

from forms.portal.fields import NOT_SURE
from forms.portal.people import AUTHORITY_CHOICES, CHILD_VIEWS, PARENT_RELATIONSHIPS, REP_ROLES
from forms.portal.requests import CONTACT_METHODS, FORMAT_LABELS
from rights import clock, privacy_notice, workflow
from rights.identifiers import format_nhs_number
from rights.models import AuthorityBasis, Channel, Person, RequesterRole, RightsRequest

ROLE_LABELS = {
    RequesterRole.SELF_ADULT.value: "The subject (adult)",
    RequesterRole.SELF_CHILD.value: "The subject (child or young person)",
    RequesterRole.PARENT.value: "Parent or carer",
    RequesterRole.REPRESENTATIVE.value: "Representative",
}
BASIS_LABELS = {
    AuthorityBasis.NONE_NEEDED.value: "None needed",
    AuthorityBasis.PARENTAL_RESPONSIBILITY.value: "Parental responsibility",
    AuthorityBasis.CHILD_CONSENT.value: "The child's consent",
    **dict(AUTHORITY_CHOICES),
}
_RELATIONSHIPS = {**dict(PARENT_RELATIONSHIPS), **dict(REP_ROLES)}
_CHILD_VIEWS = dict(CHILD_VIEWS)
_CONTACT = {"email": "Email", "post": "Post", **{k: v.removeprefix("By ").capitalize() for k, v in CONTACT_METHODS}}

CHANNEL_WORDS = {Channel.WEB.value: "The online form", Channel.EMAIL.value: "Email", Channel.LETTER.value: "Letter",
                 Channel.PHONE.value: "Phone", Channel.IN_PERSON.value: "In person"}

Row = tuple[str, str | list[str]]


def _address(a: dict[str, Any]) -> str:
    return ", ".join([*(a.get("lines") or []), a.get("postcode") or ""]).strip(", ")


def addresses(person: Person) -> tuple[str, list[str]]:
    """The current address and the previous ones, as one line each."""
    rows = [a for a in person.addresses or [] if isinstance(a, dict)]
    current = next((_address(a) for a in rows if a.get("current")), "")
    return current, [_address(a) for a in rows if not a.get("current") and _address(a)]


def service_words(keys: list[str]) -> str:
    notice = privacy_notice.load()
    words = ["Not sure which" if k == NOT_SURE else notice.service_label(k) for k in keys]
    return ", ".join(words) or "Not specified"


def contact_words(case: RightsRequest) -> str:
    methods = (case.details or {}).get("contact_methods") or (case.contact_method or "").split(",")
    return " and ".join(_CONTACT.get(m, m) for m in methods if m) or "Not given"


def subject_rows(case: RightsRequest) -> list[Row]:
    s = case.subject
    age = workflow.age_on(s.date_of_birth, case.received_on)
    born = f"{clock.short_date(s.date_of_birth)} ({age} when the request arrived)" if s.date_of_birth else "Not given"
    current, previous = addresses(s)
    return [
        ("Subject", s.full_name),
        ("Date of birth", born),
        ("Other names", ", ".join(s.previous_names or []) or "None given"),
        ("NHS number", format_nhs_number(nhs) if (nhs := (s.identifiers or {}).get("nhs_number")) else "Not given"),
        ("Address", current or "Not given"),
        ("Previous addresses", previous or "None given"),
    ]


def requester_rows(case: RightsRequest) -> list[Row]:
    r = case.requester
    rows: list[Row] = [("Relationship", ROLE_LABELS.get(case.requester_role, case.requester_role))]
    if case.requester_id != case.subject_id:
        code = (case.details or {}).get("representative_role") or case.relationship_note or ""
        relationship = _RELATIONSHIPS.get(code, case.relationship_note or "")
        rows = [("Requester", r.full_name + (f" ({r.organisation})" if r.organisation else "")),
                ("Relationship", ROLE_LABELS.get(case.requester_role, case.requester_role)
                 + (f": {relationship}" if relationship else "")),
                ("Requester's address", addresses(r)[0] or "Not given")]
    rows += [("Email", r.email or "No email"), ("Phone", r.phone or "Not given")]
    if case.requester_role == RequesterRole.PARENT.value:
        given = f"{case.child_age} years (as the parent told us)" if case.child_age is not None else "Not given"
        rows += [("Child's age", given),
                 ("Does the child know and agree?", _CHILD_VIEWS.get(case.child_view or "", case.child_view or "")
                  or "Not given")]
    if case.requester_role in (RequesterRole.PARENT.value, RequesterRole.REPRESENTATIVE.value):
        rows.append(("Authority they rely on", BASIS_LABELS.get(case.authority_basis, case.authority_basis)))
    return rows


def request_rows(case: RightsRequest) -> list[Row]:
    fmt = case.preferred_format
    period = "Not limited"
    if case.period_from or case.period_to:
        start = str(case.period_from.year) if case.period_from else "any time"
        end = str(case.period_to.year) if case.period_to else "now"
        period = f"{start} to {end}"
    return [
        ("Received by", CHANNEL_WORDS.get(case.channel, case.channel)),
        ("Services they named", service_words(list(case.services or []))),
        ("Years", period),
        ("Reply format", FORMAT_LABELS.get(fmt or "", fmt or "") or "Not given"),
        ("How to contact them", contact_words(case)),
        ("Reasonable adjustments", case.adjustments or "None asked for"),
    ]
