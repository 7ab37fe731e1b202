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
notes sharing one context as the service gives them: about 7.4x Presidio's throughput per core with
the hot modules compiled by mypyc at install (``setup.py``; 5.7x as plain Python) at 99.96% recall of
third-party mentions against its 79% (the 10x goal is not met). Counted in machine instructions, the work
is spread thin: the name rules about half, the identifiers a third, the policy a tenth; the
regular-expression engine itself under a fifth, and compiled, most of the rest is CPython's own dictionary,
string and allocation calls made per candidate and per span, which compiling does not remove. What is
cached per request already is. The README's "Benchmarks" has the figures;
``bench/redaction_fingerprint.py`` checks that a speed-up proposes the same to the character.
``bench/redaction_quality.py`` reports quality per kind.
"""

from __future__ import annotations

from operator import attrgetter

from rights.redaction.apply import Redaction, Segment, redact_text, segments
from rights.redaction.codes import CODES, THIRD_PARTY, ExemptionCode, check_code
from rights.redaction.identifiers import find_identifiers
from rights.redaction.model import Kind, RedactionConfig, RedactionContext, Whose, involvements_from_json
from rights.redaction.names import find_names, index_for, involved_addresses
from rights.redaction.policy import decide, needs_officer
from rights.redaction.spans import Proposal, Span

__all__ = [
    "CODES", "THIRD_PARTY", "ExemptionCode", "Kind", "Proposal", "Redaction", "RedactionConfig",
    "RedactionContext", "Segment", "Span", "Whose", "check_code", "detect", "involvements_from_json",
    "needs_officer", "propose", "redact_text", "segments",
]


def detect(text: str, context: RedactionContext) -> list[Span]:
    """Every span the detectors find (names, listed people's addresses, identifiers), deduplicated."""
    index = index_for(context)
    # keyed by the kind's id: a Kind is a singleton, and an enum member hashes through Python code
    spans: dict[tuple[int, int, int], Span] = {}
    found = [*involved_addresses(text, index.people), *find_identifiers(text, context.config)]
    for span in found:
        spans.setdefault((span.start, span.end, id(span.kind)), span)  # listed-person evidence first
    out = list(spans.values())
    # A word inside an email, address or date is part of that identifier, not a name on its own. Names
    # need no deduplication: they come one after another, never overlapping, and no other detector
    # finds a name. The characters identifiers cover, marked once per note, answer "inside one?" per
    # name with a search in C.
    taken = bytearray(len(text))
    for span in found:
        taken[span.start:span.end] = b"\x01" * (span.end - span.start)  # same length: the offsets stay
    out.extend(span for span in find_names(text, index) if taken.find(1, span.start, span.end) < 0)
    # By start, the longer first: two stable sorts in C rather than a tuple key per span.
    out.sort(key=_END, reverse=True)
    out.sort(key=_START)
    return out


_START, _END = attrgetter("start"), attrgetter("end")


def propose(text: str | None, context: RedactionContext) -> list[Proposal]:
    """Proposals (redact with a code, or keep, each with its reason) for one record's text.

    Empty for a record with no text layer: :func:`needs_officer` says so, and an officer decides.
    """
    if needs_officer(text):
        return []
    assert text is not None
    index = index_for(context)
    return decide(detect(text, context), context, index.subject_is_child)
