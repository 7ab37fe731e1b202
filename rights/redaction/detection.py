"""The redaction core's entry points: every span a note's detectors find (:func:`detect`), and the policy's
proposal for each (:func:`propose`); :mod:`rights.redaction` exports both.

Why a module of its own, compiled (``setup.py``): joining the detectors' spans, dropping names inside an
identifier and ordering them runs per span, and compiled it reads the spans' fields natively.
"""

from __future__ import annotations

from operator import attrgetter

from rights.redaction.identifiers import find_identifiers
from rights.redaction.model import RedactionContext
from rights.redaction.names import find_names, index_for, involved_addresses
from rights.redaction.policy import decide, needs_officer
from rights.redaction.spans import Proposal, Span


def detect(text: str, context: RedactionContext) -> list[Span]:
    """Every span the detectors find (names, listed people's addresses, identifiers), deduplicated."""
    index = index_for(context)
    # keyed by the kind's id: a Kind is a singleton, and an enum member hashes through Python code
    spans: dict[tuple[int, int, int], Span] = {}
    lowered = text.lower()  # every detector reads it: made once
    found = [*involved_addresses(text, index.people, lowered), *find_identifiers(text, context.config, lowered)]
    for span in found:
        spans.setdefault((span.start, span.end, id(span.kind)), span)  # listed-person evidence first
    out = list(spans.values())
    # A word inside an email, address or date is part of that identifier, not a name on its own. Names
    # need no deduplication: they come one after another, never overlapping, and no other detector
    # finds a name. A note has a few identifiers: each name is compared with each, in compiled code.
    for span in find_names(text, index, lowered):
        if not _covers_any(found, span.start, span.end):
            out.append(span)
    # By start, the longer first: two stable sorts in C rather than a tuple key per span.
    out.sort(key=_END, reverse=True)
    out.sort(key=_START)
    return out


_START, _END = attrgetter("start"), attrgetter("end")


def _covers_any(spans: list[Span], start: int, end: int) -> bool:
    """Whether any of ``spans`` covers a character of ``start``..``end``."""
    for span in spans:  # noqa: SIM110 (a loop, not any() over a generator: this runs for every name)
        if span.start < end and start < span.end and span.start < span.end:
            return True
    return False


def propose(text: str | None, context: RedactionContext) -> list[Proposal]:
    """Proposals (redact with a code, or keep, each with its reason) for one record's text.

    Empty for a record with no text layer: :func:`needs_officer` says so, and an officer decides.
    """
    if needs_officer(text):
        return []
    assert text is not None
    index = index_for(context)
    return decide(detect(text, context), context, index.subject_is_child)
