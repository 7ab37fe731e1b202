"""Seeding the demo's requests: subjects who exist in the demo systems, added once."""

from __future__ import annotations

from sqlalchemy import func, select

from rights.demo.connector import demo_sources
from rights.demo.requests import demo_requests, seed_demo_requests
from rights.matching import Outcome, resolve
from rights.models import Person, RightsRequest
from rights.sources.base import Address, Identity, SearchTerms


def test_seeding_is_idempotent_and_subjects_are_found(rt) -> None:  # type: ignore[no-untyped-def]
    added = seed_demo_requests(rt)
    assert added == len(demo_requests()) >= 4
    assert seed_demo_requests(rt) == 0
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(RightsRequest)) == added
        requests = session.scalars(select(RightsRequest).order_by(RightsRequest.id)).all()
        labels = [r.details["demo"] for r in requests]
        subjects = [
            Identity(
                given_names=r.subject.given_names, family_name=r.subject.family_name,
                date_of_birth=r.subject.date_of_birth, previous_names=tuple(r.subject.previous_names),
                addresses=tuple(Address(tuple(a["lines"]), a["postcode"], a["current"]) for a in r.subject.addresses),
            )
            for r in requests
        ]
        assert all(r.reference.startswith("SAR-") and r.due_on for r in requests)
        assert all(r.requester.email and r.requester.email.endswith("@example.org") for r in requests)
        assert session.scalar(select(func.count()).select_from(Person)) >= added
    assert "known by a nickname" in labels
    connectors = demo_sources()
    for req, subject in zip(demo_requests(), subjects, strict=True):
        found = [c for con in connectors for c in con.find_candidates(SearchTerms(subject))]
        accepted = {(c.source, c.person_id) for c, r in resolve(subject, found) if r.outcome is Outcome.ACCEPT}
        truth = {(source, pid) for source, ids in req.person_ids.items() for pid in ids}
        assert accepted <= truth, req.label  # never another child's records
        assert accepted, req.label  # and the subject is found from what was stored on the request
