"""Exemption codes an officer may give a redaction or a withheld record (legal-rules.md section 3).

The one home for the codes: the review page, the release letter (which lists codes used, never what was
withheld) and the CLI read them from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ExemptionCode:
    code: str
    reference: str
    meaning: str


_TABLE = (
    ExemptionCode("TP", "Sch 2 para 16", "identifies a third party; no consent; not reasonable to disclose"),
    ExemptionCode("CRIME", "Sch 2 para 2",
                  "disclosure likely to prejudice prevention, investigation or detection of crime"),
    ExemptionCode("CA89", "Sch 2 para 10", "would prejudice handling of a Children Act 1989 s.24D/s.26 complaint"),
    ExemptionCode("JUDICIAL", "Sch 2 para 14", "judicial capacity or prejudice to judicial proceedings"),
    ExemptionCode("LPP", "Sch 2 para 19", "legal professional privilege"),
    ExemptionCode("CONFREF", "Sch 2 para 24", "confidential reference"),
    ExemptionCode("COURT", "Sch 3 paras 3, 9, 18", "court report withheld under court rules"),
    ExemptionCode("EXPECT", "Sch 3 paras 4, 10",
                  "parent's request: information the child gave expecting it would not be disclosed"),
    ExemptionCode("HEALTH", "Sch 3 paras 5–6",
                  "serious harm (health); needs an appropriate health professional's opinion from the last 6 months"),
    ExemptionCode("SWHARM", "Sch 3 para 11", "serious harm; disclosure would prejudice social work"),
    ExemptionCode("EDUHARM", "Sch 3 para 19", "serious harm (education records)"),
    ExemptionCode("ABUSE", "Sch 3 para 21", "parent's request: child-abuse data not in the child's best interests"),
    ExemptionCode("ADOPTION", "Sch 4 para 3", "adoption records restricted by enactment"),
    ExemptionCode("SEN", "Sch 4 para 4", "special educational needs records restricted by regulations"),
    ExemptionCode("PARENTAL", "Sch 4 para 5", "parental order records"),
    ExemptionCode("HFE", "Sch 4 para 2", "human fertilisation and embryology information"),
)

CODES: Mapping[str, ExemptionCode] = {c.code: c for c in _TABLE}
"""Every code, in the order legal-rules.md lists them."""

THIRD_PARTY = "TP"
"""The code proposed for information identifying someone other than the subject."""


def is_code(value: str) -> bool:
    """True when ``value`` is one of the codes (case-sensitive: codes are printed as written)."""
    return value in CODES


def check_code(value: str) -> str:
    """``value`` when it is a code; otherwise ValueError with one clear line listing the valid codes."""
    if value not in CODES:
        raise ValueError(f"unknown exemption code {value!r}; use one of: {', '.join(CODES)}")
    return value
