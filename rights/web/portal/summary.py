"""The summary on "check your answers": one row per answer, each with its change link, in plain words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from forms.portal import (
    FORMAT_LABELS,
    NOT_SURE,
    STEP_FORMS,
    details_form_class,
    labels,
    requester_form_class,
)
from rights import journey, privacy_notice
from rights.models import RequesterRole
from rights.web.portal.common import (
    lines,
    step_url,
    uploaded_documents,
)

# ---------------------------------------------------------------- the summary on "check your answers"


def _row(key: str, value: str | Markup | list[str], step: str, hidden: str | None = None) -> dict[str, Any]:
    html = lines(value) if not isinstance(value, Markup) else value
    return {"key": {"text": key}, "value": {"html": html or Markup("Not given")},
            "actions": {"items": [{"href": step_url(step, True), "text": "Change",
                                   "visuallyHiddenText": (hidden or key).lower()}]}}


def _address(a: dict[str, Any]) -> list[str]:
    return [x for x in (a.get("line1"), a.get("line2"), a.get("town"), a.get("postcode")) if x]


def _choice(form_cls: Any, field: str, value: str | None, answers: dict[str, Any]) -> str:
    form = form_cls(formdata=None, audience=journey.audience(answers), request_kind=journey.kind(answers),
                    **({"notice": privacy_notice.load()} if field == "services" else {}))
    return labels(getattr(form, field)).get(value or "", value or "")


def summary(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers as summary-list sections, each row with its change link."""
    steps = journey.path(answers)
    aud = journey.audience(answers)
    role = journey.role(answers)
    about_them = role in (RequesterRole.PARENT.value, RequesterRole.REPRESENTATIVE.value)
    you: list[dict[str, Any]] = [
        _row("Who the information is about", _choice(STEP_FORMS["who"], "role", role, answers), "who"),
        _row("What you want to do", _choice(STEP_FORMS["type"], "kind", journey.kind(answers), answers), "type"),
    ]
    if "requester" in steps:
        r = answers["requester"]
        details = [f"{r.get('given_names', '')} {r.get('family_name', '')}".strip()]
        cls = requester_form_class(role)
        if role == RequesterRole.PARENT.value:
            details.append(_choice(cls, "relationship", r.get("relationship"), answers))
        else:
            details += [_choice(cls, "rep_role", r.get("rep_role"), answers), r.get("organisation") or ""]
        you.append(_row("Your details", [d for d in details if d], "requester"))
    if "child" in steps:
        c = answers["child"]
        you.append(_row("The child's age", str(c.get("age", "")), "child"))
        you.append(_row("Does the child know and agree?", _choice(STEP_FORMS["child"], "view", c.get("view"), answers),
                        "child", "whether the child knows and agrees"))
    if "authority" in steps:
        a = answers["authority"]
        docs = [d.filename for d in uploaded_documents([int(i) for i in a.get("documents", [])])]
        you.append(_row("Your authority", [_choice(STEP_FORMS["authority"], "basis", a.get("basis"), answers), *docs],
                        "authority"))

    subject_rows = [
        _row("Name", f"{answers['name']['given_names']} {answers['name']['family_name']}", "name"),
        _row("Other names", answers.get("previous-names", {}).get("names", []) or "None", "previous-names"),
        _row("Date of birth", _long(answers["date-of-birth"]["date"]), "date-of-birth"),
        _row("Address", _address(answers["address"]), "address"),
        _row("Previous addresses", [", ".join(_address(a)) for a in answers.get("previous-addresses", {})
                                    .get("addresses", [])] or "None", "previous-addresses"),
        _row("NHS number", answers.get("nhs-number", {}).get("nhs_number") or "Not given", "nhs-number"),
        _row("Services", _services(answers), "services"),
    ]
    if "period" in steps:
        p = answers["period"]
        period = (f"{p.get('from_year')} to {p.get('to_year') or 'now'}" if p.get("scope") == "dates"
                  else "All of it" if aud == "young" else "All the time we have been in contact")
        subject_rows.append(_row("Period", period, "period"))

    d = answers["details"]
    form = details_form_class(journey.kind(answers))(formdata=None, audience=aud,
                                                     request_kind=journey.kind(answers))
    want: list[dict[str, Any]] = []
    if second := getattr(form, "second", None):
        want.append(_row(form.first.label.text, d.get("first", ""), "details"))
        want.append(_row(second.label.text, d.get("second", ""), "details"))
    else:
        everything = "Everything you have about me" if aud == "young" else "All the information you hold"
        want.append(_row(form.title, d.get("first") or everything, "details", "what information you want"))
    if "proof-of-id" in steps:
        docs = [x.filename for x in uploaded_documents([int(i) for i in answers["proof-of-id"].get("documents", [])])]
        want.append(_row("Proof of identity", docs or "Not sent", "proof-of-id"))

    c = answers["contact"]
    methods = {"email": "By email", "post": "By post"}
    contact = [methods[m] for m in c.get("methods", []) if m in methods]
    contact += [x for x in (c.get("email"), c.get("phone")) if x]
    if c.get("postal"):
        contact += _address(c["postal"])
    contact_rows = [
        _row("Contact", contact, "contact", "how we contact you"),
        _row("Format of our reply", FORMAT_LABELS.get(answers["format"]["format"], ""), "format"),
        _row("Adjustments or support", answers["adjustments"].get("adjustments") or "None", "adjustments"),
    ]
    subject_heading = "About you" if journey.is_self(answers) else (
        "About the child" if role == RequesterRole.PARENT.value else "About the person you represent")
    return [
        {"heading": "Your request" if not about_them else "You and your request", "rows": you},
        {"heading": subject_heading, "rows": subject_rows},
        {"heading": "What you want" if aud != "young" else "What you told us", "rows": want},
        {"heading": "Contact", "rows": contact_rows},
    ]


def _long(iso: str) -> str:
    value = date.fromisoformat(iso)
    return f"{value.day} {value.strftime('%B')} {value.year}"


def _services(answers: dict[str, Any]) -> list[str]:
    notice = privacy_notice.load()
    chosen = answers["services"].get("services", [])
    young = journey.audience(answers) == "young"
    out = []
    for key in chosen:
        service = notice.service(key)
        out.append("I'm not sure" if key == NOT_SURE else (service.young if young else service.label) if service
                   else key)
    return out
