"""PDF letters for every request type and outcome, over plain dataclasses (no database, no Flask).

Why a module of its own: the wording of a statutory letter (what an access response must contain, that a
refusal names the ICO and the courts) is a rule, so it lives in one place the caller cannot skip. The
letterhead and the Art 15 information come from the privacy-notice configuration
(``rights/data/privacy_notice.toml``: ``[contact]`` and the notice's sections), the council's name from
settings; templates are ``templates/pdf/letter_<kind>.html`` (the four rights outcomes share
``letter_rights_outcome.html``). The letter lists the exemption codes used (code, reference, plain
meaning), never what they hide: it is given codes, not redacted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rights.bundles import render
from rights.privacy_notice import PrivacyNotice
from rights.redaction.codes import CODES

#: kind -> (heading, fields that must not be empty)
LETTER_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "acknowledgement": ("We have received your request", ("received", "due")),
    "id_request": ("We need proof of your identity", ("received",)),
    "authority_request": ("We need proof that you can act for this person", ("received",)),
    "clarification": ("We need more information about your request", ("received", "reasons")),
    "extension": ("We need more time to respond", ("received", "due", "reasons")),
    "access_response": ("Our response to your subject access request", ("received",)),
    "refusal": ("Our decision on your request", ("received", "reasons")),
    "rectification_outcome": ("The outcome of your request to correct your information", ("received", "outcome")),
    "erasure_outcome": ("The outcome of your request to delete your information", ("received", "outcome")),
    "restriction_outcome": ("The outcome of your request to restrict the use of your information",
                            ("received", "outcome")),
    "objection_outcome": ("The outcome of your objection to the use of your information", ("received", "outcome")),
    "complaint_ack": ("We have received your complaint", ("received", "due")),
    "complaint_outcome": ("The outcome of your complaint", ("received", "outcome")),
}

RIGHTS_OUTCOMES = {"done": "we have done what you asked", "partly": "we have done part of what you asked",
                   "refused": "we have decided not to do what you asked"}
COMPLAINT_OUTCOMES = {"upheld": "we have upheld your complaint",
                      "partly_upheld": "we have partly upheld your complaint",
                      "not_upheld": "we have not upheld your complaint"}


@dataclass(frozen=True)
class Searched:
    """One place searched for an access response: what it was and what was found there (a count, not data)."""

    place: str
    found: str


@dataclass(frozen=True)
class Withheld:
    """A record withheld in full, as a letter with no bundle lists it (the bundle's index would otherwise)."""

    service: str
    date: date | None
    title: str
    code: str


@dataclass(frozen=True)
class Letter:
    kind: str
    reference: str
    letter_date: date
    recipient_name: str
    recipient_address: tuple[str, ...] = ()
    request_label: str = "subject access request"
    received: date | None = None
    due: date | None = None
    reasons: str = ""  # extension or refusal reasons; the question for a clarification; an outcome's reasons
    outcome: str = ""  # done|partly|refused (rights) or upheld|partly_upheld|not_upheld (complaint)
    statement: str = ""  # supplementary statement added to a record (rectification)
    searched: tuple[Searched, ...] = ()
    records_disclosed: int = 0
    records_withheld: int = 0
    withheld: tuple[Withheld, ...] = ()  # listed in the letter when nothing is disclosed (there is no bundle)
    bundle_pages: int | None = None
    codes_used: tuple[str, ...] = ()
    large_print: bool = False
    draft: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def check(letter: Letter) -> None:
    """Refuse a letter missing what the law or the kind needs, in one line (never a half-empty letter)."""
    if letter.kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {letter.kind!r}")
    _heading, required = LETTER_KINDS[letter.kind]
    missing = [name for name in required if not getattr(letter, name)]
    if missing:
        raise ValueError(f"a {letter.kind} letter needs: {', '.join(missing)}")
    allowed = COMPLAINT_OUTCOMES if letter.kind == "complaint_outcome" else RIGHTS_OUTCOMES
    if letter.kind.endswith("_outcome") and letter.outcome not in allowed:
        raise ValueError(f"a {letter.kind} letter's outcome must be one of {', '.join(allowed)}")
    if letter.kind == "access_response" and not letter.records_disclosed and \
            len(letter.withheld) != letter.records_withheld:
        raise ValueError("an access response with nothing disclosed must list every record withheld")
    unknown = [c for c in letter.codes_used if c not in CODES]
    if unknown:
        raise ValueError(f"unknown exemption code(s): {', '.join(unknown)}")


#: Rectification, erasure, restriction and objection share one outcome letter; only the kind's own paragraph
#: (``_outcome_<right>.html``, where there is one) differs.
RIGHTS_OUTCOME_KINDS = frozenset({"rectification_outcome", "erasure_outcome", "restriction_outcome",
                                  "objection_outcome"})


def _template(kind: str) -> str:
    return "letter_rights_outcome.html" if kind in RIGHTS_OUTCOME_KINDS else f"letter_{kind}.html"


def letter_html(letter: Letter, notice: PrivacyNotice, council_name: str) -> str:
    check(letter)
    heading, _required = LETTER_KINDS[letter.kind]
    codes = [CODES[c] for c in sorted(set(letter.codes_used))]
    return render.render_template(_template(letter.kind), {
        "letter": letter, "heading": heading, "notice": notice, "contact": notice.contact,
        "council_name": council_name, "codes": codes,
        "outcome_label": {**RIGHTS_OUTCOMES, **COMPLAINT_OUTCOMES}.get(letter.outcome, ""),
    })


def render_letter(letter: Letter, notice: PrivacyNotice, council_name: str,
                  limits: render.RenderLimits | None = None, *, pdf_a: bool = False) -> bytes:
    """The letter as PDF bytes, rendered in a limited worker process."""
    return render.render_pdf(letter_html(letter, notice, council_name), limits, pdf_a=pdf_a)
