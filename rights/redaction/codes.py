"""Redaction and withholding reason codes (legal-rules §3): the one table every redaction, withheld record
and response letter uses. A letter lists the codes used with their reference and plain meaning, never
what they hide."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    reference: str
    meaning: str


CODES: dict[str, Code] = {c.code: c for c in (
    Code("TP", "Sch 2 para 16", "identifies a third party; no consent; not reasonable to disclose"),
    Code("CRIME", "Sch 2 para 2", "disclosure likely to prejudice prevention, investigation or detection of crime"),
    Code("CA89", "Sch 2 para 10", "would prejudice handling of a Children Act 1989 s.24D/s.26 complaint"),
    Code("JUDICIAL", "Sch 2 para 14", "judicial capacity or prejudice to judicial proceedings"),
    Code("LPP", "Sch 2 para 19", "legal professional privilege"),
    Code("CONFREF", "Sch 2 para 24", "confidential reference"),
    Code("COURT", "Sch 3 paras 3, 9, 18", "court report withheld under court rules"),
    Code("EXPECT", "Sch 3 paras 4, 10",
         "parent's request: information the child gave expecting it would not be disclosed"),
    Code("HEALTH", "Sch 3 paras 5–6",
         "serious harm (health); needs an appropriate health professional's opinion from the last 6 months"),
    Code("SWHARM", "Sch 3 para 11", "serious harm; disclosure would prejudice social work"),
    Code("EDUHARM", "Sch 3 para 19", "serious harm (education records)"),
    Code("ABUSE", "Sch 3 para 21", "parent's request: child-abuse data not in the child's best interests"),
    Code("ADOPTION", "Sch 4 para 3", "adoption records restricted by enactment"),
    Code("SEN", "Sch 4 para 4", "special educational needs records restricted by regulations"),
    Code("PARENTAL", "Sch 4 para 5", "parental order records"),
    Code("HFE", "Sch 4 para 2", "human fertilisation and embryology information"),
)}
