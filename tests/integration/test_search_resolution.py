"""Identity resolution in the search jobs: what one source's accepted record confirms settles another's candidate.

Source A (early help) holds Amelia Hart with her NHS number; source B (SEND) holds her under a surname the
request does not give ("Morgan", from before an adoption), with the same NHS number. Alone, B's record
goes to review; once A's record is accepted its NHS number settles B's, whichever source answers first;
when an officer rejects A's match, B's goes back to review and its gathered records are removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from rights import search
from rights.cli.process import run_pending
from rights.models import AuditEvent, GatheredRecord, SearchCandidate, SearchTask
from tests.factories import make_person, make_request
from tests.integration.source_builders import SUBJECT, write_export, write_sources

NHS = "9434765919"
HOME = SUBJECT["addresses"]
UNDER_OLD_SURNAME = {"given_names": "Amelia", "family_name": "Morgan", "date_of_birth": "2012-05-17",
                     "nhs_number": NHS, "addresses": HOME}
TWIN_UNDER_OLD_SURNAME = {"given_names": "Ava", "family_name": "Morgan", "date_of_birth": "2012-05-17",
                          "addresses": HOME}


@pytest.fixture
def request_id(rt, settings, tmp_path: Path) -> int:  # type: ignore[no-untyped-def]
    a = write_export(tmp_path / "a", {"A-1": {**SUBJECT, "nhs_number": NHS}}, [
        ("a.txt", b"Early help note.", {"person_id": "A-1", "date": "2024-01-10", "title": "Contact"})])
    b = write_export(tmp_path / "b", {"B-1": UNDER_OLD_SURNAME, "B-2": TWIN_UNDER_OLD_SURNAME}, [
        ("b.txt", b"SEND plan for Amelia.", {"person_id": "B-1", "date": "2024-05-01", "title": "Plan"}),
        ("twin.txt", b"Ava's plan.", {"person_id": "B-2", "date": "2024-05-02", "title": "Plan"})])
    settings.sources_file = str(write_sources(tmp_path / "sources.toml", [
        {"name": "early_help_docs", "service": "early_help", "type": "folder", "settings": {"path": str(a)}},
        {"name": "send_docs", "service": "send", "type": "folder", "settings": {"path": str(b)}},
    ]))
    with rt.db.transaction() as session:  # the request gives no NHS number and no previous surname
        return make_request(session, subject=make_person(addresses=HOME)).id


def run(rt, request_id: int, service: str) -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        search.start_searches(session, rt.queue, request_id, "user:1", only_services={service})
    for _ in range(3):  # the search, then any fetch it deferred for the other source
        run_pending(rt.db, rt.queue, 2)


def state(rt) -> tuple[dict[str, str], set[str]]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        outcomes = {c.person_id: search.effective_outcome(c) for c in session.scalars(select(SearchCandidate))}
        records = {r.record_id for r in session.scalars(select(GatheredRecord))}
    return outcomes, records


@pytest.mark.parametrize("order", [("early_help", "send"), ("send", "early_help")])
def test_nhs_number_confirmed_in_one_source_settles_a_previous_surname_in_another(rt, request_id, order) -> None:  # type: ignore[no-untyped-def]
    first, second = order
    run(rt, request_id, first)
    outcomes, records = state(rt)
    if first == "send":  # alone, the record under the old surname waits for an officer
        assert outcomes == {"B-1": "review", "B-2": "reject"} and records == set()
    run(rt, request_id, second)
    outcomes, records = state(rt)
    assert outcomes == {"A-1": "accept", "B-1": "accept", "B-2": "reject"}
    assert records == {"a.txt", "b.txt"}
    with rt.db.transaction() as session:
        b1 = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == "B-1")).one()
        assert ("evidence from another system: NHS number 943 476 5919 confirmed by early_help_docs record A-1, "
                "accepted automatically") in b1.explanation
        views = search.task_views(session, list(session.scalars(select(SearchTask))))  # the case page's panel
        shown = {line for v in views for cand in v.candidates if cand.person_id == "B-1" for line in cand.explanation}
        assert any("NHS number 943 476 5919 confirmed by early_help_docs record A-1" in line for line in shown)
        log = {e["source"]: e for e in search.search_log(session, request_id)}
        assert "confirmed by early_help_docs record A-1" in search.render_search_log(list(log.values()), "REF")
        a1 = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == "A-1")).one()
        search.decide_candidate(session, rt.queue, a1.id, False, "user:5", reason="not her")  # undoes A

    outcomes, records = state(rt)
    assert outcomes == {"A-1": "reject", "B-1": "review", "B-2": "reject"}
    assert records == set()  # B's record was gathered only through A's evidence: removed with it
    with rt.db.transaction() as session:
        resolved = session.scalars(select(AuditEvent).where(AuditEvent.action == "search.candidate_resolved")).all()
        assert any(e.detail["person_id"] == "B-1" and e.detail["to"] == "review" for e in resolved)
        a1 = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == "A-1")).one()
        search.decide_candidate(session, rt.queue, a1.id, None, "user:5")  # reopened: the matcher's accept again
    for _ in range(2):
        run_pending(rt.db, rt.queue, 2)
    outcomes, records = state(rt)
    assert outcomes == {"A-1": "accept", "B-1": "accept", "B-2": "reject"} and records == {"a.txt", "b.txt"}


def test_resolution_is_idempotent(rt, request_id) -> None:  # type: ignore[no-untyped-def]
    run(rt, request_id, "send")
    run(rt, request_id, "early_help")
    with rt.db.transaction() as session:
        search.lock_request(session, request_id)
        before = {c.id: (c.outcome, list(c.explanation)) for c in session.scalars(select(SearchCandidate))}
        changes = search.resolve_request(session, rt.queue, request_id)
        after = {c.id: (c.outcome, list(c.explanation)) for c in session.scalars(select(SearchCandidate))}
    assert not changes.accepted and not changes.withdrawn and before == after


def test_both_sources_at_once_reach_the_same_result(rt, request_id) -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        search.start_searches(session, rt.queue, request_id, "user:1")
    for _ in range(3):  # both search jobs run concurrently; the request lock orders their resolution passes
        run_pending(rt.db, rt.queue, 2)
    outcomes, records = state(rt)
    assert outcomes == {"A-1": "accept", "B-1": "accept", "B-2": "reject"} and records == {"a.txt", "b.txt"}
