"""Search tasks end to end: jobs, matching, encrypted records, re-runs, review, failures, holders, the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from rights import search
from rights.cli.process import process_command, run_pending
from rights.models import AuditEvent, GatheredRecord, JobRun, SearchCandidate, SearchTask, User
from rights.security import cipher_for, store_for
from tests.factories import make_person, make_request
from tests.integration.source_builders import (
    NEAR_MISS,
    SAME_DOB_OTHER_NAME,
    SAME_NAME_OTHER_DOB,
    SIBLING,
    SUBJECT,
    make_docx,
    make_docx_bomb,
    make_html,
    make_pdf,
    write_export,
    write_sources,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET_LINE = "Amelia told me about the argument at home."


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    early_help = write_export(root / "early_help", {"EH-1": SUBJECT, "EH-2": SAME_NAME_OTHER_DOB, "EH-9": NEAR_MISS}, [
        ("a.txt", SECRET_LINE.encode(), {"person_id": "EH-1", "date": "2024-01-10", "title": "Contact"}),
        ("b.html", make_html("Visit went well.", "alert(1)"), {"person_id": "EH-1", "date": "2024-02-01"}),
        ("c.pdf", make_pdf("Plan reviewed."), {"person_id": "EH-1", "date": "2024-03-01", "title": "Plan"}),
        ("other.txt", b"The other Amelia Hart's note.", {"person_id": "EH-2", "date": "2024-01-11"}),
        ("near.txt", b"Note on the duplicate record.", {"person_id": "EH-9", "date": "2024-01-12"}),
    ])
    send = write_export(root / "send", {"S-1": SUBJECT, "S-2": SAME_DOB_OTHER_NAME, "S-3": SIBLING}, [
        ("ehcp.docx", make_docx("EHCP for Amelia."), {"person_id": "S-1", "date": "2024-05-01", "title": "EHCP"}),
        ("olivia.txt", b"Olivia's plan.", {"person_id": "S-2", "date": "2024-05-02"}),
        ("jack.txt", b"Jack's plan.", {"person_id": "S-3", "date": "2024-05-03"}),
    ])
    return {"early_help": early_help, "send": send}


def sources_file(path: Path, exports: dict[str, Path], failing: bool = True) -> str:
    sources = [
        {"name": "early_help_docs", "service": "early_help", "type": "folder",
         "settings": {"path": str(exports["early_help"])}},
        {"name": "send_docs", "service": "send", "type": "folder", "settings": {"path": str(exports["send"])}},
    ]
    if failing:  # nothing listens on port 9: the source is unreachable
        sources.append({"name": "probation", "service": "youth_justice", "type": "sar-api", "timeout_seconds": 3,
                        "settings": {"base_url": "http://127.0.0.1:9", "token": "t", "retries": 0}})
    return str(write_sources(path, sources))


@pytest.fixture
def request_id(rt, settings, exports, tmp_path) -> int:  # type: ignore[no-untyped-def]
    settings.sources_file = sources_file(tmp_path / "sources.toml", exports)
    with rt.db.transaction() as session:
        subject = make_person(addresses=SUBJECT["addresses"], identifiers={"prn": "A1234BC"})
        return make_request(session, subject=subject).id


def start_and_run(rt, request_id: int, actor: str = "user:1") -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        search.start_searches(session, rt.queue, request_id, actor)
    run_pending(rt.db, rt.queue, 3)


def tasks(session) -> dict[str, SearchTask]:  # type: ignore[no-untyped-def]
    return {t.source: t for t in session.scalars(select(SearchTask))}


def gathered(session, request_id: int) -> dict[str, GatheredRecord]:  # type: ignore[no-untyped-def]
    rows = session.scalars(select(GatheredRecord).where(GatheredRecord.request_id == request_id))
    return {f"{r.source}/{r.record_id}": r for r in rows}


def test_search_gathers_only_accepted_matches_encrypted_and_rerun_adds_nothing(rt, settings, request_id) -> None:  # type: ignore[no-untyped-def]
    start_and_run(rt, request_id)
    with rt.db.transaction() as session:
        by_source = tasks(session)
        assert by_source["early_help_docs"].status == "needs_review"  # the near miss waits for an officer
        assert by_source["send_docs"].status == "done"
        failed = by_source["probation"]
        assert failed.status == "failed" and "could not reach" in failed.error
        assert failed.run_by == "user:1" and failed.attempts == 1
        outcomes = {(c.task.source, c.person_id): c.outcome for c in session.scalars(select(SearchCandidate))}
        assert outcomes == {("early_help_docs", "EH-1"): "accept", ("early_help_docs", "EH-2"): "reject",
                            ("early_help_docs", "EH-9"): "review", ("send_docs", "S-1"): "accept",
                            ("send_docs", "S-2"): "reject"}
        records = gathered(session, request_id)
        assert set(records) == {"early_help_docs/a.txt", "early_help_docs/b.html", "early_help_docs/c.pdf",
                                "send_docs/ehcp.docx"}
        assert {r.person_id for r in records.values()} == {"EH-1", "S-1"}
        contact = records["early_help_docs/a.txt"]
        raw = session.execute(text("SELECT text_enc FROM gathered_records WHERE id = :i"), {"i": contact.id}).scalar()
        assert SECRET_LINE.encode() not in bytes(raw) and b"Amelia" not in bytes(raw)
        cipher = cipher_for(settings.encryption_keys)
        assert search.record_text(contact, cipher) == SECRET_LINE
        store = store_for(settings.upload_dir, settings.encryption_keys)
        assert SECRET_LINE.encode() not in store.raw(contact.file_key)
        assert store.get(contact.file_key) == SECRET_LINE.encode()
        assert "alert(1)" not in search.record_text(records["early_help_docs/b.html"], cipher)
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == request_id)).all()
        assert actions.count("search.requested") == 1
        assert actions.count("search.completed") == 2 and actions.count("search.failed") == 1
        completed = session.scalars(select(AuditEvent).where(AuditEvent.action == "search.completed")).first()
        assert completed.actor == "user:1" and completed.detail["terms"]["fields"]
        assert "Amelia" not in json.dumps(completed.detail)  # the terms' kinds, not their values

    start_and_run(rt, request_id, actor="user:2")  # run again: nothing is added twice
    with rt.db.transaction() as session:
        assert len(gathered(session, request_id)) == 4
        assert len(session.scalars(select(SearchCandidate)).all()) == 5
        assert tasks(session)["send_docs"].attempts == 2 and tasks(session)["send_docs"].run_by == "user:2"
        assert len(session.scalars(select(JobRun).where(JobRun.name == search.SEARCH_JOB)).all()) == 6


def test_officer_accepting_a_review_candidate_fetches_its_records(rt, request_id) -> None:  # type: ignore[no-untyped-def]
    start_and_run(rt, request_id)
    with rt.db.transaction() as session:
        near = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == "EH-9")).one()
        assert "early_help_docs/near.txt" not in gathered(session, request_id)
        search.decide_candidate(session, rt.queue, near.id, True, "user:5")
    run_pending(rt.db, rt.queue, 1)
    with rt.db.transaction() as session:
        records = gathered(session, request_id)
        assert records["early_help_docs/near.txt"].person_id == "EH-9"
        task = tasks(session)["early_help_docs"]
        assert task.status == "done" and task.record_count == 4
        decided = session.scalars(select(AuditEvent).where(AuditEvent.action == "search.candidate_decided")).one()
        assert decided.actor == "user:5" and decided.detail["decision"] == "accepted"
    start_and_run(rt, request_id)  # the officer's decision survives a re-run
    with rt.db.transaction() as session:
        near = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == "EH-9")).one()
        assert near.decision == "accepted"
        assert any("an officer already confirmed" in line for line in near.explanation)
        assert len(gathered(session, request_id)) == 5
        assert tasks(session)["early_help_docs"].status == "done"


def test_officer_rejecting_a_match_removes_its_records(rt, settings, request_id) -> None:  # type: ignore[no-untyped-def]
    start_and_run(rt, request_id)
    with rt.db.transaction() as session:
        send = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == "S-1")).one()
        key = gathered(session, request_id)["send_docs/ehcp.docx"].file_key
        search.decide_candidate(session, rt.queue, send.id, False, "user:5", reason="a different child")
    with rt.db.transaction() as session:
        assert "send_docs/ehcp.docx" not in gathered(session, request_id)
        assert tasks(session)["send_docs"].record_count == 0
    store = store_for(settings.upload_dir, settings.encryption_keys)
    with pytest.raises(FileNotFoundError):
        store.raw(key)


def holder(session, service: str) -> User:  # type: ignore[no-untyped-def]
    user = User(email=f"{service}@council.example", name=f"{service} holder", role="record_holder",
                services=[service], password_hash="x")
    session.add(user)
    session.flush()
    return user


def test_record_holder_confirms_uploads_and_reports_none_held(rt, settings, request_id) -> None:  # type: ignore[no-untyped-def]
    start_and_run(rt, request_id)
    with rt.db.transaction() as session:
        by_source = tasks(session)
        send_holder, yj_holder = holder(session, "send"), holder(session, "youth_justice")
        search.confirm_search(session, by_source["send_docs"].id, send_holder.id, "searched, 1 record")
        with pytest.raises(PermissionError):
            search.confirm_search(session, by_source["early_help_docs"].id, send_holder.id)
        with pytest.raises(search.SearchError, match="record"):
            search.report_none_held(session, by_source["send_docs"].id, send_holder.id)
        search.report_none_held(session, by_source["probation"].id, yj_holder.id, "no youth justice involvement")
        ids = (by_source["send_docs"].id, send_holder.id)
    with rt.db.transaction() as session:
        first = search.add_record_upload(session, settings, *ids, filename="letter.txt",
                                         data=b"Paper file note about Amelia.", title="Paper file")
        again = search.add_record_upload(session, settings, *ids, filename="letter.txt",
                                         data=b"Paper file note about Amelia.")
        assert again.id == first.id
        raw = session.execute(text("SELECT text_enc FROM gathered_records WHERE id = :i"), {"i": first.id}).scalar()
        assert b"Amelia" not in bytes(raw)
        assert search.record_text(first, cipher_for(settings.encryption_keys)) == "Paper file note about Amelia."
        assert tasks(session)["send_docs"].record_count == 2
    with rt.db.transaction() as session:
        log = {e["source"]: e for e in search.search_log(session, request_id)}
        assert log["send_docs"]["confirmed_by"] == "send holder <send@council.example>"
        assert log["send_docs"]["uploads"] == 1 and log["send_docs"]["records"] == 2
        assert log["probation"]["none_held"] and log["probation"]["error"]
        assert log["early_help_docs"]["candidates"][0]["explanation"]
        text_log = search.render_search_log(list(log.values()), "SAR-2026-00001")
        assert "send_docs (send, folder)" in text_log and "run by user:" not in text_log  # names, not ids
        assert "record holder: none held (youth_justice holder" in text_log
        assert "EH-9: review" in text_log and "record holder: not yet confirmed" in text_log
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"search.confirmed", "search.none_held", "search.record_uploaded"} <= actions


def test_rights_process_prints_a_json_summary(rt, request_id) -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        from rights.models import RightsRequest

        reference = session.get(RightsRequest, request_id).reference
    result = CliRunner().invoke(process_command, [reference, "--actor", "cli:test"])
    assert result.exit_code == 1, (result.output, result.exception)  # one source failed
    summary = json.loads(result.output)
    assert summary["reference"] == reference and summary["records_total"] == 4
    by_source = {s["source"]: s for s in summary["sources"]}
    assert by_source["send_docs"]["records"] == 1 and by_source["send_docs"]["status"] == "done"
    assert "could not reach" in by_source["probation"]["error"]
    early = {c["person_id"]: c for c in by_source["early_help_docs"]["candidates"]}
    assert early["EH-1"]["outcome"] == "accept" and early["EH-1"]["score"] > 0.9
    assert early["EH-2"]["outcome"] == "reject"
    assert any("date of birth" in line for line in early["EH-2"]["explanation"])
    assert rt.queue.queue.count == 0  # the jobs ran here, not on the shared queue
    missing = CliRunner().invoke(process_command, ["SAR-1999-99999"])
    assert missing.exit_code == 1 and "no request" in missing.output


def test_search_jobs_run_in_a_real_worker(rt, settings, exports, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.sources_file = sources_file(tmp_path / "ok.toml", exports, failing=False)
    with rt.db.transaction() as session:
        request_id = make_request(session, subject=make_person(addresses=SUBJECT["addresses"])).id
        search.start_searches(session, rt.queue, request_id, "user:1")
    env = {**os.environ, "RIGHTS_ENV": "test", "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "RIGHTS_QUEUE": settings.queue_name, "RIGHTS_SOURCES": settings.sources_file,
           "RIGHTS_UPLOAD_DIR": settings.upload_dir}
    proc = subprocess.run([sys.executable, "-m", "rights", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    with rt.db.transaction() as session:
        assert {t.source: t.status for t in tasks(session).values()} == {"early_help_docs": "needs_review",
                                                                           "send_docs": "done"}
        assert len(gathered(session, request_id)) == 4
        runs = session.scalars(select(JobRun).where(JobRun.name == search.SEARCH_JOB)).all()
        assert {r.status for r in runs} == {"finished"}


def test_period_limits_what_is_gathered(rt, settings, exports, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.sources_file = sources_file(tmp_path / "ok.toml", exports, failing=False)
    with rt.db.transaction() as session:
        subject = make_person(addresses=SUBJECT["addresses"])
        request_id = make_request(session, subject=subject, period_from=date(2024, 2, 15),
                                  period_to=date(2024, 12, 31)).id
    start_and_run(rt, request_id)
    with rt.db.transaction() as session:
        assert set(gathered(session, request_id)) == {"early_help_docs/c.pdf", "send_docs/ehcp.docx"}
        assert tasks(session)["send_docs"].terms["date_from"] == "2024-02-15"


def test_demo_systems_never_yield_another_childs_records(rt, settings) -> None:  # type: ignore[no-untyped-def]
    """The seven demo systems (no RIGHTS_SOURCES) with their featured look-alike subjects."""
    from rights.demo.requests import demo_requests

    settings.sources_file = None
    featured = demo_requests()
    with rt.db.transaction() as session:
        ids = {}
        for case in featured:
            s = case.subject
            subject = make_person(
                given_names=s.given_names, family_name=s.family_name, date_of_birth=s.date_of_birth,
                previous_names=list(s.previous_names),
                addresses=[{"lines": list(a.lines), "postcode": a.postcode, "current": a.current} for a in s.addresses],
                identifiers={k: v for k, v in (("nhs_number", s.nhs_number), ("upn", s.upn), *s.other_ids) if v})
            ids[make_request(session, subject=subject).id] = case
    for request_id in ids:
        start_and_run(rt, request_id)
    with rt.db.transaction() as session:
        all_tasks = session.scalars(select(SearchTask)).all()
        assert len(all_tasks) == 7 * len(featured)
        assert {t.status for t in all_tasks} <= {"done", "needs_review"}, [t.error for t in all_tasks]
        records = session.scalars(select(GatheredRecord)).all()
        assert records, "the featured subjects have records in the demo systems"
        for record in records:
            truth = ids[record.request_id].person_ids.get(record.source, ())
            assert record.person_id in truth, f"{record.source}/{record.record_id} belongs to someone else"
        # Who a record involves (carers' addresses among them) is encrypted at rest like the text.
        cipher = cipher_for(settings.encryption_keys)
        involved = [(r, search.record_involved(r, cipher)) for r in records]
        carers = [(r, p) for r, people in involved for p in people if p["role"] in ("carer", "foster_carer")]
        assert carers, "the demo systems record carers"
        for record, person in carers:
            raw = session.execute(text("SELECT involved_enc FROM gathered_records WHERE id = :i"),
                                  {"i": record.id}).scalar()
            assert person["name"].encode() not in bytes(raw)


class SpyConnector:
    """A source that records which candidates were fetched, and slips in another person's record."""

    name, service = "spy", "send"

    def __init__(self) -> None:
        self.fetched: list[str] = []

    def find_candidates(self, terms):  # type: ignore[no-untyped-def]
        from rights.sources.base import Candidate, Identity

        return [Candidate("spy", "me", Identity("Amelia", "Hart", date(2012, 5, 17))),
                Candidate("spy", "twin", Identity("Olivia", "Hart", date(2012, 5, 17))),
                Candidate("spy", "near", Identity("Amelia", "Hart", date(2012, 5, 18)))]

    def fetch_records(self, candidate, terms):  # type: ignore[no-untyped-def]
        from rights.sources.base import SourceRecord

        self.fetched.append(candidate.person_id)
        return [SourceRecord("spy", f"{candidate.person_id}-1", candidate.person_id, None, "own", text="own"),
                SourceRecord("spy", "twin-9", "twin", None, "not theirs", text="the twin's record")]


def test_only_accepted_candidates_are_fetched_and_stray_records_dropped(rt, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rights.sources import registry

    spy = SpyConnector()
    source = registry.Source(name="spy", service="send", type="sql", timeout_seconds=5, connector=spy)
    monkeypatch.setattr(registry, "configured", lambda _file: [source])
    with rt.db.transaction() as session:
        request_id = make_request(session).id
    start_and_run(rt, request_id)
    assert spy.fetched == ["me"]  # never the twin (rejected) nor the near miss (waiting for an officer)
    with rt.db.transaction() as session:
        assert set(gathered(session, request_id)) == {"spy/me-1"}  # the twin's record slipped in is dropped
        twin = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == "twin")).one()
        search.decide_candidate(session, rt.queue, twin.id, False, "user:5", reason="the twin, not the subject")
    run_pending(rt.db, rt.queue, 1)
    assert spy.fetched == ["me"]


def test_rights_process_takes_the_workflow_action(rt, settings, exports, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`rights process` is the dashboard's "Start the search": received -> searching; withdrawn refused."""
    from rights.models import RightsRequest, WorkflowEvent

    settings.sources_file = sources_file(tmp_path / "ok.toml", exports, failing=False)
    with rt.db.transaction() as session:
        received = make_request(session, subject=make_person(addresses=SUBJECT["addresses"]))
        withdrawn = make_request(session, subject=make_person(addresses=SUBJECT["addresses"]))
        withdrawn.status = "withdrawn"
        refs = received.reference, withdrawn.reference
    result = CliRunner().invoke(process_command, [refs[0], "--actor", "cli:test"])
    assert result.exit_code == 0, (result.output, result.exception)
    refused = CliRunner().invoke(process_command, [refs[1]])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"Error: {refs[1]} is at 'Withdrawn': its source systems cannot be searched now."]
    with rt.db.transaction() as session:
        first = session.scalars(select(RightsRequest).where(RightsRequest.reference == refs[0])).one()
        second = session.scalars(select(RightsRequest).where(RightsRequest.reference == refs[1])).one()
        assert first.status == "searching" and second.status == "withdrawn"
        events = session.scalars(select(WorkflowEvent).where(WorkflowEvent.request_id == first.id)).all()
        assert [(e.event, e.actor) for e in events] == [("start_search", "cli:test")]
        assert session.scalars(select(SearchTask).where(SearchTask.request_id == second.id)).all() == []
        assert len(session.scalars(select(SearchTask).where(SearchTask.request_id == first.id)).all()) == 2


def test_a_document_bomb_upload_is_refused_in_one_line_and_not_kept(rt, settings, request_id) -> None:  # type: ignore[no-untyped-def]

    bomb = make_docx_bomb()
    start_and_run(rt, request_id)
    with rt.db.transaction() as session:
        task_id, user_id = tasks(session)["send_docs"].id, holder(session, "send").id
        before = session.scalar(select(func.count(GatheredRecord.id)))
    with pytest.raises(search.SearchError, match=r"^this document could not be read safely: a part is compressed"), \
            rt.db.transaction() as session:
        search.add_record_upload(session, settings, task_id, user_id, filename="notes.docx", data=bomb)
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count(GatheredRecord.id))) == before
