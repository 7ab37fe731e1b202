"""Third-party redaction: detect what identifies people in a record's text, propose what to remove, apply it.

Pure functions over dataclasses (no Flask, no database): the caller decrypts a gathered record's text and
the involvement lists, and stores the proposals and the officers' decisions.

Public API::

    from rights.redaction import (
        RedactionContext, RedactionConfig, Proposal, Kind, Whose,
        propose, needs_officer, Redaction, Segment, segments, redact_text, CODES,
    )

    context = RedactionContext(
        subject=identity,                      # rights.sources.base.Identity of the subject
        involved=record_involvements,          # tuple[Involvement, ...] of this record
        request_involved=all_involvements,     # tuple[Involvement, ...] of every record of the request
        known_people=frozenset(full_names),    # people any configured source knows (optional)
        subject_contacts=("07700 900123",),    # phones and emails the subject gave (optional)
        config=RedactionConfig(),              # roles kept, police setting, person-id patterns
    )
    flag = needs_officer(text)                 # str when a scan has no text layer, else None
    proposals = propose(text, context)         # list[Proposal], sorted by start; .redact, .code, .key, .reason
    decided = [Redaction(p.start, p.end, p.code) for p in proposals if p.redact]   # after officer review
    disclosed = redact_text(text, decided)     # '[TP]' boxes in place of removed text
    parts = segments(text, decided)            # list[Segment(text | None, code | None)] for the PDF renderer

``Proposal.key`` is the same for every mention of one person or identifier across a request, so the
review page can accept or reject them all at once. Exemption codes live in :mod:`rights.redaction.codes`.

Why our own detectors rather than Presidio's recognisers: Presidio needs a spaCy pipeline for every text
(with no model downloadable here, a blank one, so no names at all beyond deny lists), scores matches by
context words, and ships US-first recognisers; the UK rules (HMRC NI prefixes, NHS test range, DfE UPN
check letters, current plates) and the name rules (listed people in every form, titles, initials,
relations, ordinary words that are names) are short to write and check with python-stdnum and
phonenumbers. ``bench/redaction_speed.py`` measures both on the same notes, grouped into requests of 25
notes sharing one context as the service gives them: about 8.6x Presidio's throughput per core with
the hot modules compiled by mypyc at install (``setup.py``; 5.7x as plain Python) at 99.96% recall of
third-party mentions against its 79% (the 10x goal is not met). Counted in machine instructions, the work
is spread thin: the name rules about half, the identifiers two fifths, the policy a twentieth; the
regular-expression engine itself about a quarter, the rest CPython's own string, dictionary and allocation
calls per capitalised word and per candidate name. Spans and proposals are compiled classes
(:mod:`rights.redaction.spans`). What is cached per request already is. The README's "Benchmarks" has the figures;
``bench/redaction_fingerprint.py`` checks that a speed-up proposes the same to the character.
``bench/redaction_quality.py`` reports quality per kind.
"""

from __future__ import annotations

from rights.redaction.apply import Redaction, Segment, redact_text, segments
from rights.redaction.codes import CODES, THIRD_PARTY, ExemptionCode, check_code
from rights.redaction.detection import detect, propose
from rights.redaction.model import Kind, RedactionConfig, RedactionContext, Whose, involvements_from_json
from rights.redaction.policy import needs_officer
from rights.redaction.spans import Proposal, Span

__all__ = [
    "CODES", "THIRD_PARTY", "ExemptionCode", "Kind", "Proposal", "Redaction", "RedactionConfig",
    "RedactionContext", "Segment", "Span", "Whose", "check_code", "detect", "involvements_from_json",
    "needs_officer", "propose", "redact_text", "segments",
]
