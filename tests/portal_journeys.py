"""Portal test data shared by the integration (test client) and browser (Chromium) tests.

``journey(kind, role)`` gives the pages a requester answers, in order, with valid answers; tests
override single pages to try bad input. Files are tiny but real by content: a PDF, a PNG and a JPEG
header, and a Windows executable.
"""

from __future__ import annotations

import re
from typing import Any

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       + b"\x00" * 64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
       + b"This program cannot be run in DOS mode")
VALID_NHS = "943 476 5919"
WRONG_NHS = "943 476 5910"  # right length, wrong check digit
XSS = '<script>alert("x")</script><b>bold</b>'

ADULT = {"given_names": "Amelia", "family_name": "Hart", "dob": ("17", "5", "1990")}
CHILD = {"given_names": "Jordan", "family_name": "Reed", "dob": ("2", "9", "2014")}

DETAILS: dict[str, dict[str, Any]] = {
    "access": {"first": ""},
    "rectification": {"first": "My address on the 2019 assessment is wrong.", "second": "It should say 4 Mill Lane."},
    "erasure": {"first": "Photographs of my child in the 2021 early help file.", "second": "Consent withdrawn."},
    "restriction": {"first": "The youth justice report from 2022.", "second": "It is wrong and being checked."},
    "objection": {"first": "Sharing my school records with the police.", "second": "It is not needed."},
    "complaint": {"first": "My letter was sent to the wrong address.", "second": "Apologise and fix it."},
}


def child_age(person: dict[str, Any] | None = None) -> int:
    """The child's age today in London, from their date of birth (the portal refuses an age that does not fit)."""
    from datetime import date, datetime

    from rights.clock import LONDON
    from rights.journey import age_on

    day, month, year = (int(x) for x in (person or CHILD)["dob"])
    return age_on(date(year, month, day), datetime.now(LONDON).date())


def journey(kind: str = "access", role: str = "self_adult", *, email: str = "requester@example.org",
            person: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Valid answers for every page this requester sees (the upload pages without a file)."""
    person = person or (CHILD if role in ("self_child", "parent") else ADULT)
    steps: list[tuple[str, dict[str, Any]]] = [("who", {"role": role}), ("type", {"kind": kind})]
    if role == "parent":
        steps += [("requester", {"given_names": "Sam", "family_name": "Reed", "relationship": "parent"}),
                  ("child", {"age": str(child_age(person)), "view": "knows_agrees"})]
    if role == "representative":
        steps += [("requester", {"given_names": "Priya", "family_name": "Shah", "organisation": "Shah Solicitors",
                                 "rep_role": "solicitor"}),
                  ("authority", {"basis": "signed_consent"})]
    steps += [
        ("name", {"given_names": person["given_names"], "family_name": person["family_name"]}),
        ("previous-names", {"names": ""}),
        ("date-of-birth", {"date": list(person["dob"])}),
        ("address", {"line1": "1 High Street", "line2": "", "town": "Shrewsbury", "postcode": "sy3 8hq"}),
        ("previous-addresses", {"action": "continue", "line1": "", "line2": "", "town": "", "postcode": ""}),
        ("nhs-number", {"nhs_number": VALID_NHS}),
        ("services", {"services": ["childrens_social_care", "early_help"]}),
    ]
    if kind != "complaint":
        steps.append(("period", {"from_year": "2015", "to_year": "2020"}))
    steps.append(("details", dict(DETAILS[kind])))
    if kind != "complaint":
        steps.append(("proof-of-id", {}))
    contact: dict[str, Any] = {"methods": ["email"], "email": email, "phone": ""}
    steps += [("contact", contact), ("format", {"format": "email"}), ("adjustments", {"adjustments": ""})]
    return steps


def error_messages(html: str) -> list[str]:
    """The texts in the GOV.UK error summary."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if not summary:
        return []
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)]
