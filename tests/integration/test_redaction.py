"""Redaction wired into the product, on PostgreSQL: proposing (idempotent, as a job), deciding one, by
person across the request, officer-added, withholding, the undecided count blocking the move to approval,
``rights redact --json``, the disclosure set, and no redacted string surviving in any output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from rights import cases, jobs, search
from rights.bundles import versions
from rights.cli.process import run_pending
from rights.cli.redact import redact_command
from rights.errors import CaseError
from rights.models import (
    AuditEvent,
    GatheredRecord,
    JobRun,
    RecordDecision,
    Redaction,
    RightsRequest,
    Role,
)
from rights.permissions import Actor
from rights.redaction import decisions, review, service
from rights.redaction.disclosure import disclosure_set
from rights.security import cipher_for
from tests.factories import make_person, make_request
from tests.integration.redaction_support import CALL, SECRETS, VISIT, gathered_case, settle_identity_and_searches
from tests.integration.source_builders import SUBJECT
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)
from tests.integration.test_search_tasks import ROOT, exports, sources_file  # noqa: F401 - exports: fixture

OFFICER = Actor(id=0, role=Role.OFFICER.value, name="Test", reference="user:0")
MANAGER = Actor(id=5, role=Role.MANAGER.value, name="Manager", reference="user:5")


@pytest.fixture
def case(rt, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return gathered_case(rt, settings)


def propose(rt, settings, case) -> int:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key,
                                           case["id"])


def rows(rt, record_id: int) -> list[Redaction]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        found = list(session.scalars(select(Redaction).where(Redaction.record_id == record_id)
                                     .order_by(Redaction.start)))
        session.expunge_all()
        return found


def test_proposing_stores_spans_not_names_and_is_idempotent(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    assert propose(rt, settings, case) == 3
    visit = rows(rt, case["visit"])
    found = {VISIT[r.start:r.end] for r in visit}
    assert {"Joanne Hart", "Joanne", "Kyle Brook", "LS6 2AB"} <= found
    assert "Priya Shah" not in found and "Amelia Hart" not in found  # professional in role, the subject
    assert all(r.status == "proposed" and r.origin == "detector" and r.code == "TP" for r in visit)
    mother = [r for r in visit if VISIT[r.start:r.end].startswith("Joanne")]
    assert len({r.person_key for r in mother}) == 1  # one person, one key across forms of the name
    assert propose(rt, settings, case) == 0
    assert len(rows(rt, case["visit"])) == len(visit)
    with rt.db.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM redactions")) for v in row)
        flags = dict(conn.execute(text("SELECT record_id, needs_officer FROM record_decisions")).all())
    assert not any(name in dump for name in ("Joanne", "Kyle", "P2", "P3", "7700"))
    assert flags == {case["visit"]: False, case["call"]: False, case["scan"]: True}


def test_the_proposal_job_runs_after_commit_and_twice_is_harmless(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        service.defer_proposals(session, rt.queue, case["id"])
    run_pending(rt.db, rt.queue, 1)
    with rt.db.transaction() as session:
        run = session.scalars(select(JobRun).where(JobRun.name == service.PROPOSE_JOB)).one()
        assert run.status == "finished" and run.result["records_proposed"] == 3
        run_id = run.id
        run.status = "queued"  # as if Redis delivered it again
    jobs.execute(rt.db, run_id)
    count = len(rows(rt, case["visit"]))
    assert count > 0 and propose(rt, settings, case) == 0 and len(rows(rt, case["visit"])) == count




def test_entering_review_queues_proposals(rt, settings) -> None:  # type: ignore[no-untyped-def]
    case = gathered_case(rt, settings, status="searching")
    settle_identity_and_searches(rt, case["id"])
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, case["id"])
        cases.perform(session, rt.queue, request, OFFICER, "submit_for_review", today=date(2026, 3, 10))
    with rt.db.transaction() as session:
        assert session.scalars(select(JobRun.name).where(JobRun.request_id == case["id"])).all() == [
            service.PROPOSE_JOB]


def test_undecided_records_block_sending_for_approval_until_all_are_decided(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    settle_identity_and_searches(rt, case["id"])
    propose(rt, settings, case)
    with rt.db.transaction() as session:
        assert decisions.undecided_count(session, case["id"]) == 3
        request = session.get(RightsRequest, case["id"])
        assert cases.facts_for(session, request, OFFICER, date(2026, 3, 10)).records_undecided == 3
    with pytest.raises(CaseError, match="3 gathered records are not decided yet"), rt.db.transaction() as session:
        cases.perform(session, rt.queue, session.get(RightsRequest, case["id"]), OFFICER, "submit_for_approval",
                      today=date(2026, 3, 10))
    with rt.db.transaction() as session:
        with pytest.raises(CaseError, match="not decided yet"):
            decisions.include_record(session, case["id"], case["visit"], "user:test")
        decisions.include_record(session, case["id"], case["visit"], "user:test", accept_all=True)
        decisions.include_record(session, case["id"], case["call"], "user:test", accept_all=True)
        assert decisions.undecided_count(session, case["id"]) == 1
        with pytest.raises(CaseError, match="no text layer"):
            decisions.include_record(session, case["id"], case["scan"], "user:test")
        decisions.withhold_record(session, case["id"], case["scan"], "TP", "user:test", note="a scan")
        assert decisions.undecided_count(session, case["id"]) == 0
        versions.prepare(session, settings, rt.files, cipher_for(settings.encryption_keys), case["id"], "user:0")
        cases.perform(session, rt.queue, session.get(RightsRequest, case["id"]), OFFICER, "submit_for_approval",
                      today=date(2026, 3, 10))
    with rt.db.transaction() as session:
        assert session.get(RightsRequest, case["id"]).status == "awaiting_approval"
        with pytest.raises(CaseError, match="return it for changes"):  # decisions are frozen for the approver
            decisions.withhold_record(session, case["id"], case["visit"], "TP", "user:test")
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == case["id"])).all()
        assert actions.count("record.included") == 2 and actions.count("record.withheld") == 1
        late = GatheredRecord(request_id=case["id"], task_id=session.get(GatheredRecord, case["call"]).task_id,
                              source="csc_notes", record_id="N-9", person_id="P1", title="Uploaded late",
                              origin="upload", added_by="user:9")
        session.add(late)  # a record holder's upload after the case was sent for approval
    with pytest.raises(CaseError, match="1 gathered record is not decided yet"), rt.db.transaction() as session:
        cases.perform(session, rt.queue, session.get(RightsRequest, case["id"]), MANAGER, "approve",
                      today=date(2026, 3, 10))
    with rt.db.transaction() as session:
        session.delete(session.scalars(select(GatheredRecord).where(GatheredRecord.record_id == "N-9")).one())
        session.delete(session.get(GatheredRecord, case["scan"]))  # a match rejected later: its records go
    with rt.db.transaction() as session:
        assert decisions.undecided_count(session, case["id"]) == 0
        assert session.scalar(select(RecordDecision).where(RecordDecision.record_id == case["scan"])) is None
    # Every record is decided again, but what would be disclosed changed: the prepared version is out of date.
    with pytest.raises(CaseError, match="decisions changed"), rt.db.transaction() as session:
        cases.perform(session, rt.queue, session.get(RightsRequest, case["id"]), MANAGER, "approve",
                      today=date(2026, 3, 10))


def test_one_decision_and_every_mention_of_a_person_across_the_request(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    propose(rt, settings, case)
    visit, call = rows(rt, case["visit"]), rows(rt, case["call"])
    kyle = next(r for r in call if CALL[r.start:r.end] == "Kyle Brook")
    phone = next(r for r in call if CALL[r.start:r.end] == "07700 900982")
    with rt.db.transaction() as session:
        changed = decisions.decide_by_key(session, case["id"], kyle.person_key, False, "user:test")
        assert changed == 3  # "Kyle Brook" in both records and "Kyle" alone
        decisions.decide_redaction(session, case["id"], phone.id, True, "user:test")
        with pytest.raises(CaseError):  # another request's id (none here) is refused, not acted on
            decisions.decide_redaction(session, case["id"] + 1, phone.id, True, "user:test")
        decisions.include_record(session, case["id"], case["call"], "user:test")
    statuses = {CALL[r.start:r.end]: (r.status, r.decided_by) for r in rows(rt, case["call"])}
    assert statuses == {"Kyle Brook": ("rejected", "user:test"), "07700 900982": ("accepted", "user:test"),
                        "Kyle": ("rejected", "user:test")}
    assert [r.status for r in rows(rt, case["visit"]) if VISIT[r.start:r.end] == "Kyle Brook"] == ["rejected"]
    assert all(r.status == "proposed" for r in rows(rt, case["visit"]) if r.person_key != kyle.person_key)
    assert len(visit) == len(rows(rt, case["visit"]))


def test_officer_adds_a_redaction_by_its_words_in_the_record_or_the_request(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    propose(rt, settings, case)
    cipher, secret = cipher_for(settings.encryption_keys), settings.secret_key
    with rt.db.transaction() as session:
        assert decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "the  BLUE van", "CRIME",
                                       "user:test") == 1
        assert decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "the blue van", "CRIME",
                                       "user:test") == 0  # already there
        assert decisions.add_redaction(session, cipher, secret, case["id"], case["visit"], "Amelia", "TP",
                                       "user:test", across_request=True) == 2
        with pytest.raises(ValueError, match="unknown exemption code"):
            decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "angry", "NOPE", "user:test")
        with pytest.raises(CaseError, match="not in this record"):
            decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "purple", "TP", "user:test")
    added = [r for r in rows(rt, case["call"]) if r.origin == "officer"]
    assert {(CALL[r.start:r.end], r.code, r.status) for r in added} == {
        ("the blue van", "CRIME", "accepted"), ("Amelia", "TP", "accepted")}
    with rt.db.transaction() as session:
        actions = session.scalars(select(AuditEvent).where(AuditEvent.action == "redaction.added")).all()
        assert len(actions) == 3 and "blue" not in json.dumps([a.detail for a in actions])


def test_officer_redacts_only_the_place_selected(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    """Words selected in the text carry their offset: that place only, and refused if they are not there."""
    propose(rt, settings, case)
    cipher, secret = cipher_for(settings.encryption_keys), settings.secret_key
    second_a = CALL.index("a", CALL.index("angry") + 1)  # "a" occurs all over the note: one is meant
    with rt.db.transaction() as session:
        assert decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "A", "TP", "user:test",
                                       at=second_a) == 1
        with pytest.raises(CaseError, match="not at the place you selected"):
            decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "angry", "TP", "user:test",
                                    at=CALL.index("angry") + 1)
        with pytest.raises(CaseError, match="not at the place you selected"):
            decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "van", "TP", "user:test",
                                    at=len(CALL) + 10)
        with pytest.raises(CaseError, match="not both"):
            decisions.add_redaction(session, cipher, secret, case["id"], case["call"], "angry", "TP", "user:test",
                                    at=CALL.index("angry"), across_request=True)
    added = [(r.start, r.end) for r in rows(rt, case["call"]) if r.origin == "officer"]
    assert added == [(second_a, second_a + 1)]
    assert decisions.occurrences(CALL, "a", at=second_a) == [(second_a, second_a + 1)]
    assert len(decisions.occurrences(CALL, "a")) > 5


def test_rights_redact_json_proposes_without_deciding_then_accepts_as_a_named_actor(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(redact_command, [case["reference"], "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    out = json.loads(result.output)
    assert out["reference"] == case["reference"] and (out["decided"], out["total"], out["undecided"]) == (0, 3, 3)
    by_id = {r["record_id"]: r for r in out["records"]}
    assert [r["decision"] for r in out["records"]] == ["undecided"] * 3
    visit = by_id["N-1"]
    assert visit["source"] == "csc_notes" and visit["needs_officer"] is False
    assert all(r["status"] == "proposed" and r["code"] == "TP" for r in visit["redactions"])
    assert {VISIT[r["start"]:r["end"]] for r in visit["redactions"]} >= {"Joanne Hart", "Kyle Brook"}
    assert "[TP]" in visit["disclosed_text"] and "Priya Shah" in visit["disclosed_text"]
    assert by_id["N-3"]["needs_officer"] is True
    with rt.db.transaction() as session:
        assert session.scalar(select(RecordDecision.decision).where(RecordDecision.decision.is_not(None))) is None

    result = CliRunner().invoke(redact_command, [case["reference"], "--accept-proposed", "--actor", "batch:eval",
                                                 "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    out = json.loads(result.output)
    by_id = {r["record_id"]: r for r in out["records"]}
    assert (by_id["N-1"]["decision"], by_id["N-2"]["decision"], by_id["N-3"]["decision"]) == (
        "include", "include", "undecided")
    assert all(r["status"] == "accepted" for r in by_id["N-1"]["redactions"])
    assert by_id["N-2"]["disclosed_text"] == (
        "[TP] called on [TP] about Amelia. [TP] was angry and mentioned the blue van.")
    with rt.db.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.actor == "batch:eval")).all()
        assert {e.action for e in events} == {"record.included", "redaction.batch_accepted"}

    missing = CliRunner().invoke(redact_command, ["SAR-1999-99999", "--json"])
    assert missing.exit_code == 2 and missing.output.strip().splitlines() == [
        "Error: no request with reference 'SAR-1999-99999'"]


def test_disclosure_set_orders_decided_records_and_lists_what_was_removed(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    propose(rt, settings, case)
    cipher = cipher_for(settings.encryption_keys)
    with rt.db.transaction() as session:
        decisions.include_record(session, case["id"], case["call"], "user:test", accept_all=True)
        first = disclosure_set(session, cipher, case["id"])
        assert first.undecided == 2 and [r.record_id for r in first.included] == [case["call"]]
        decisions.include_record(session, case["id"], case["visit"], "user:test", accept_all=True)
        decisions.withhold_record(session, case["id"], case["scan"], "SWHARM", "user:test")
        found = disclosure_set(session, cipher, case["id"])
    assert found.undecided == 0 and found.fingerprint != first.fingerprint
    assert [r.record_id for r in found.included] == [case["visit"], case["call"]]  # same service: by date
    assert [(w.record_id, w.code) for w in found.withheld] == [(case["scan"], "SWHARM")]
    assert found.included[0].service and found.included[0].title == "Case note N-1"
    assert {"Joanne Hart", "Kyle Brook", "07700 900982", "LS6 2AB"} <= set(found.redacted_strings)
    with rt.db.transaction() as session:
        assert disclosure_set(session, cipher, case["id"]).fingerprint == found.fingerprint


def test_no_redacted_string_survives_in_any_output(app, rt, settings, case) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    propose(rt, settings, case)
    cipher = cipher_for(settings.encryption_keys)
    with rt.db.transaction() as session:
        decisions.add_redaction(session, cipher, settings.secret_key, case["id"], case["call"], "blue van", "CRIME",
                                "user:test")
    result = CliRunner().invoke(redact_command, [case["reference"], "--accept-proposed", "--json"])
    assert result.exit_code == 0, result.output
    with rt.db.transaction() as session:
        found = disclosure_set(session, cipher, case["id"])
    removed = set(found.redacted_strings) | set(SECRETS) | {"blue van"}
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    outputs = {
        "cli": "\n".join(r["disclosed_text"] or "" for r in json.loads(result.output)["records"]),
        "segments": "".join(s.rendered for r in found.included for s in r.segments),
        **{f"preview {key}": client.get(f"/staff/cases/{case['reference']}/review/{case[key]}/preview")
           .get_data(as_text=True) for key in ("visit", "call")},
    }
    assert "[TP]" in outputs["cli"] and "[CRIME]" in outputs["segments"] and "[TP]" in outputs["preview visit"]
    leaks = [(where, s) for where, out in outputs.items() for s in removed if s in out]
    assert leaks == []


def test_review_pages_for_officers(app, rt, settings, case) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    base = f"/staff/cases/{case['reference']}/review"
    page = client.get(base).get_data(as_text=True)
    assert "0 of 3 records decided" in page and "No text layer" in page
    page = client.get(f"{base}/{case['visit']}").get_data(as_text=True)
    assert '<mark class="app-mark app-mark--proposed">Joanne Hart' in page
    assert "listed as involved: family member" in page
    token = csrf(client, f"{base}/{case['visit']}")
    mother = next(r for r in rows(rt, case["visit"]) if VISIT[r.start:r.end] == "Joanne Hart")
    response = client.post(f"{base}/{case['visit']}/redactions/{mother.id}", data={"csrf_token": token,
                                                                                  "decision": "accept"})
    assert response.status_code == 302
    response = client.post(f"{base}/{case['visit']}/add", data={
        "csrf_token": token, "add-words": "shouted", "add-code": "TP"})
    assert response.status_code == 302
    unplaced = client.post(f"{base}/{case['visit']}/add", data={  # "only the place selected", nothing selected
        "csrf_token": token, "add-words": "visited", "add-code": "TP", "add-only_selected": "y"})
    assert unplaced.status_code == 400 and "Select the words in the record" in unplaced.get_data(as_text=True)
    bad_place = client.post(f"{base}/{case['visit']}/add", data={
        "csrf_token": token, "add-words": "visited", "add-code": "TP", "add-only_selected": "y", "add-at": "x"})
    assert bad_place.status_code == 400
    placed = client.post(f"{base}/{case['visit']}/add", data={
        "csrf_token": token, "add-words": "visited", "add-code": "TP", "add-only_selected": "y",
        "add-at": str(VISIT.index("visited"))})
    assert placed.status_code == 302
    response = client.post(f"{base}/{case['visit']}/include", data={"csrf_token": token, "accept_all": "yes"})
    assert response.status_code == 302
    response = client.post(f"{base}/{case['scan']}/withhold", data={"csrf_token": token, "withhold-code": "TP"})
    assert response.status_code == 302
    bad = client.post(f"{base}/{case['call']}/withhold", data={"csrf_token": token, "withhold-code": "NOPE"})
    assert bad.status_code == 400
    page = client.get(base).get_data(as_text=True)
    assert "2 of 3 records decided" in page
    with rt.db.transaction() as session:
        statuses = {r.status for r in review.redactions_of(session, case["visit"])}
        assert statuses == {"accepted"}
    holder = signed_in_client(app, rt, make_staff(rt, "record_holder", services=("childrens_social_care",)))
    assert holder.get(base).status_code in (302, 403, 404)


def test_gathering_records_proposes_in_process_and_through_a_real_worker(rt, settings, exports, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.sources_file = sources_file(tmp_path / "ok.toml", exports, failing=False)
    with rt.db.transaction() as session:
        first = make_request(session, subject=make_person(addresses=SUBJECT["addresses"])).id
        second = make_request(session, subject=make_person(addresses=SUBJECT["addresses"])).id
        search.start_searches(session, rt.queue, first, "user:1")
    run_pending(rt.db, rt.queue, 2)  # in-process, as `rights process` runs them: proposed in place
    with rt.db.transaction() as session:
        assert len(session.scalars(select(RecordDecision).where(RecordDecision.request_id == first)).all()) == 4
        search.start_searches(session, rt.queue, second, "user:1")
    env = {**os.environ, "RIGHTS_ENV": "test", "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "RIGHTS_QUEUE": settings.queue_name, "RIGHTS_SOURCES": settings.sources_file,
           "RIGHTS_UPLOAD_DIR": settings.upload_dir}
    proc = subprocess.run([sys.executable, "-m", "rights", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    with rt.db.transaction() as session:
        runs = session.scalars(select(JobRun).where(JobRun.name == service.PROPOSE_JOB,
                                                    JobRun.request_id == second)).all()
        assert runs and {r.status for r in runs} == {"finished"}
        assert len(session.scalars(select(RecordDecision).where(RecordDecision.request_id == second)).all()) == 4


def test_review_is_read_only_once_sent_for_approval_and_a_withheld_preview_shows_no_text(app, rt, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    case = gathered_case(rt, settings)
    propose(rt, settings, case)
    with rt.db.transaction() as session:
        decisions.withhold_record(session, case["id"], case["call"], "CRIME", "user:test")
        session.get(RightsRequest, case["id"]).status = "awaiting_approval"
    client = signed_in_client(app, rt, make_staff(rt, "manager"))
    base = f"/staff/cases/{case['reference']}/review"
    page = client.get(f"{base}/{case['visit']}").get_data(as_text=True)
    assert "Joanne Hart" in page and ">Accept<" not in page and "Withhold the whole record" not in page
    token = csrf(client, base)
    client.post(f"{base}/{case['visit']}/withhold", data={"csrf_token": token, "withhold-code": "TP"})
    with rt.db.transaction() as session:
        assert session.scalar(select(RecordDecision.decision).where(RecordDecision.record_id == case["visit"])) is None
    preview = client.get(f"{base}/{case['call']}/preview").get_data(as_text=True)
    assert "withheld in full under <strong>CRIME</strong>" in preview
    assert not any(s in preview for s in ("Kyle", "07700", "blue van", "called on"))
