"""The retention purge on PostgreSQL: what goes (a closed case past its period, with every row, person and
file; a verified proof of identity; a CCTV copy past its source's period), what never goes (open, recent or
held cases), the tombstone and audit trail left, dry runs, retries, and the schedule's daily row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from rights import audit, cases, retention
from rights.cases import Firing
from rights.models import (
    AuditEvent,
    BundleVersion,
    ClockEvent,
    Disclosure,
    Document,
    DownloadLink,
    GatheredRecord,
    JobRun,
    Note,
    OutboxMessage,
    Person,
    PersonSearchKey,
    PostItem,
    ProgressCode,
    PurgedRequest,
    RecordDecision,
    Redaction,
    RightsRequest,
    Role,
    ScheduleRun,
    SearchCandidate,
    SearchTask,
    WorkflowEvent,
)
from rights.permissions import Actor
from rights.schedule import runner
from rights.schedule.table import entry
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff

NOW = datetime.now(UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def full_case(rt: Any, *, status: str = "closed", closed_days_ago: float | None = 731, name: str = "Amelia",
              held: bool = False) -> dict[str, Any]:
    """A case with a row in every table that hangs from a request, and files in the store."""
    officer = make_staff(rt, "officer")
    files = rt.files
    with rt.db.transaction() as session:
        parent = make_person(given_names="Sam", family_name="Hartfield")
        request = make_request(session, subject=make_person(given_names=name, family_name="Hartfield"),
                               requester_role="parent", requester=parent)
        request.status = status
        request.closed_at = ago(closed_days_ago) if closed_days_ago is not None else None
        if held:
            retention.place_hold(session, request, "user:1", "Claim 2026-123 against the council")
        rid = request.id
        keys = {"id": files.put(b"passport"), "authority": files.put(b"court order"), "record": files.put(b"note"),
                "letter": files.put(b"%PDF letter"), "bundle": files.put(b"%PDF bundle")}
        session.add_all([
            Document(request_id=rid, purpose="proof_of_id", filename="passport.png", content_type="image/png",
                     size=8, sha256="0" * 64, storage_key=keys["id"], uploaded_by="citizen"),
            Document(request_id=rid, purpose="authority", filename="order.pdf", content_type="application/pdf",
                     size=11, sha256="1" * 64, storage_key=keys["authority"], uploaded_by="citizen"),
            Note(request_id=rid, author_id=officer.id, body="Spoke to the family"),
            WorkflowEvent(request_id=rid, event="assign", from_status="received", to_status="received",
                          actor="user:1", at=ago(800)),
            Disclosure(request_id=rid, recipient="Police"),
            ClockEvent(request_id=rid, kind="id_requested", on=ago(820).date(), reason="Please send ID"),
            OutboxMessage(key=f"ack-{rid}", request_id=rid, to="parent@example.org", template="acknowledgement",
                          subject="Your request", body_text="Dear Sam"),
            PostItem(key=f"post-{rid}", request_id=rid, kind="acknowledgement", addressee="Sam Hartfield",
                     address="1 Road\nEX1 1AA", subject="Your request"),
            JobRun(name="notify.send", request_id=rid, args=[1]),
            ProgressCode(request_id=rid, code_hash="0" * 64, expires_at=ago(1)),
        ])
        task = SearchTask(request_id=rid, source="csc", service="childrens_social_care", source_type="folder",
                          run_by="user:1")
        session.add(task)
        session.flush()
        candidate = SearchCandidate(task_id=task.id, request_id=rid, person_id="P1", outcome="accept")
        session.add(candidate)
        session.flush()
        record = GatheredRecord(request_id=rid, task_id=task.id, candidate_id=candidate.id, source="csc",
                                record_id="R1", person_id="P1", title="Visit", origin="connector", added_by="worker",
                                file_key=keys["record"])
        session.add(record)
        session.flush()
        session.add_all([
            Redaction(request_id=rid, record_id=record.id, start=0, end=4, code="TP", kind="name", reason="family",
                      person_key="0" * 64, origin="detector", status="accepted"),
            RecordDecision(request_id=rid, record_id=record.id, decision="include"),
        ])
        version = BundleVersion(request_id=rid, number=1, fingerprint="f" * 64, pages=3, records=1, withheld=0,
                                letter_key=keys["letter"], bundle_key=keys["bundle"], bundle_sha256="2" * 64,
                                prepared_by="user:1", status="released")
        session.add(version)
        session.flush()
        session.add(DownloadLink(request_id=rid, version_id=version.id, expires_at=ago(700)))
        return {"id": rid, "reference": request.reference, "subject_id": request.subject_id,
                "requester_id": request.requester_id, "files": keys}


def rows_about(session: Any, request_id: int) -> dict[str, int]:
    counts = {t.name: session.scalar(select(func.count()).select_from(t).where(c == request_id)) or 0
              for t, c in retention.dependants()}
    return {k: v for k, v in counts.items() if v}


def test_a_closed_case_past_its_period_goes_entirely_and_leaves_a_tombstone(rt, settings) -> None:  # type: ignore[no-untyped-def]
    old = full_case(rt)
    recent = full_case(rt, closed_days_ago=100, name="Bea")
    still_open = full_case(rt, status="review", closed_days_ago=None, name="Cara")
    with rt.db.transaction() as session:  # another case flagged as a possible duplicate of the old one
        later = make_request(session, subject=make_person(given_names="Dora"))
        later.possible_duplicate_of_id = old["id"]
        later_id = later.id
        before = rows_about(session, old["id"])
        entries_before = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.request_id == old["id"]))
    assert set(before) >= {"documents", "notes", "workflow_events", "clock_events", "disclosures", "outbox_messages",
                           "post_items", "job_runs", "progress_codes", "search_tasks", "search_candidates",
                           "gathered_records", "redactions", "record_decisions", "bundle_versions", "download_links"}

    dry = retention.run(rt.db, settings, dry_run=True)
    assert [c["reference"] for c in dry.cases] == [old["reference"]]
    assert dry.cases[0]["rows"]["documents"] == 2 and dry.cases[0]["files"] == 5
    with rt.db.transaction() as session:
        assert rows_about(session, old["id"]) == before  # a dry run changes nothing
    assert rt.files.get(old["files"]["bundle"]) == b"%PDF bundle"

    report = retention.run(rt.db, settings)
    assert [c["reference"] for c in report.cases] == [old["reference"]]
    assert report.cases[0]["rows"] == dry.cases[0]["rows"] and report.cases[0]["files"] == 5
    # The recent case stays, but its proof of identity (never verified, closed 100 days ago) goes.
    assert [d["reference"] for d in report.id_documents] == [recent["reference"]] == [
        d["reference"] for d in dry.id_documents]
    with rt.db.transaction() as session:
        assert rows_about(session, old["id"]) == {}
        assert session.get(RightsRequest, old["id"]) is None
        people = [old["subject_id"], old["requester_id"]]
        assert session.scalars(select(Person.id).where(Person.id.in_(people))).all() == []
        assert session.scalar(select(func.count()).select_from(PersonSearchKey).where(
            PersonSearchKey.person_id.in_(people))) == 0
        assert session.get(RightsRequest, later_id).possible_duplicate_of_id is None
        for kept in (recent, still_open):
            assert session.get(RightsRequest, kept["id"]) is not None and rows_about(session, kept["id"])
        tomb = session.get(PurgedRequest, old["id"])
        assert (tomb.reference, tomb.status, tomb.deleted["files"]) == (old["reference"], "closed", 5)
        # The audit trail keeps every entry about the case (by id), one more saying it was purged, and holds.
        entries = session.scalars(select(AuditEvent).where(AuditEvent.request_id == old["id"])).all()
        assert len(entries) == entries_before + 1 and entries[-1].action == "case.purged"
        assert entries[-1].target == old["reference"] and entries[-1].detail["files"] == 5
        assert audit.verify(session).ok
    for key in old["files"].values():
        assert not (rt.files.root / key[:2] / f"{key}.bin").exists()
    assert rt.files.get(recent["files"]["bundle"]) == b"%PDF bundle"

    again = retention.run(rt.db, settings)  # idempotent: nothing left to do
    assert again.cases == [] and again.totals()["files"] == 0


def test_a_held_case_is_kept_until_the_hold_is_lifted(rt, settings) -> None:  # type: ignore[no-untyped-def]
    held = full_case(rt, held=True)
    report = retention.run(rt.db, settings)
    assert report.cases == [] and report.held == [held["reference"]]
    assert report.id_documents == []  # a hold keeps the proof of identity too
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, held["id"])
        assert request.legal_hold_reason == "Claim 2026-123 against the council"
        retention.lift_hold(session, request, "user:1")
    assert [c["reference"] for c in retention.run(rt.db, settings).cases] == [held["reference"]]


def test_a_hold_placed_after_the_list_was_read_still_wins(rt, settings) -> None:  # type: ignore[no-untyped-def]
    case = full_case(rt)
    rules = retention.Rules.from_settings(settings)
    with rt.db.transaction() as session:  # the purge re-reads the case under its lock before deleting
        retention.place_hold(session, session.get(RightsRequest, case["id"]), "user:1", "ICO investigation")
    with rt.db.transaction() as session:
        assert retention.purge_case(session, rt.files, case["id"], rules, NOW) is None
        assert session.get(RightsRequest, case["id"]) is not None


def test_proof_of_identity_goes_a_week_after_verification_and_authority_stays(rt, settings) -> None:  # type: ignore[no-untyped-def]
    verified = full_case(rt, status="review", closed_days_ago=None)
    fresh = full_case(rt, status="review", closed_days_ago=None, name="Bea")
    unverified = full_case(rt, status="awaiting_id", closed_days_ago=None, name="Cara")
    officer = Actor(make_staff(rt, "officer").id, Role.OFFICER.value)
    for case, when in ((verified, ago(8)), (fresh, ago(3))):
        with rt.db.transaction() as session:  # the officer's real decision, then moved back in time
            cases.perform(session, rt.queue, session.get(RightsRequest, case["id"]), officer, "verify_id",
                          Firing(options={"method": "matched_to_records"}), today=NOW.date())
        with rt.db.transaction() as session:
            event = session.scalars(select(WorkflowEvent).where(WorkflowEvent.request_id == case["id"],
                                                                WorkflowEvent.event == "verify_id")).one()
            event.at = when
            assert session.get(RightsRequest, case["id"]).id_verified
    report = retention.run(rt.db, settings)
    assert [d["reference"] for d in report.id_documents] == [verified["reference"]]
    assert report.cases == []
    with rt.db.transaction() as session:
        purposes = {c["reference"]: sorted(session.scalars(select(Document.purpose).where(
            Document.request_id == c["id"]))) for c in (verified, fresh, unverified)}
        assert purposes == {verified["reference"]: ["authority"], fresh["reference"]: ["authority", "proof_of_id"],
                            unverified["reference"]: ["authority", "proof_of_id"]}
        entry_ = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.expired")).one()
        assert entry_.request_id == verified["id"] and "passport" not in str(entry_.detail)
    assert not (rt.files.root / verified["files"]["id"][:2] / f"{verified['files']['id']}.bin").exists()
    assert rt.files.get(verified["files"]["authority"]) == b"court order"
    assert retention.run(rt.db, settings).id_documents == []


def test_a_cctv_copy_follows_its_source_once_the_case_has_closed(rt, settings) -> None:  # type: ignore[no-untyped-def]
    done = full_case(rt, status="released", closed_days_ago=None)
    just = full_case(rt, status="released", closed_days_ago=None, name="Bea")
    clips = {}
    with rt.db.transaction() as session:
        for case, released in ((done, ago(15)), (just, ago(10))):
            session.add(WorkflowEvent(request_id=case["id"], event="release", from_status="ready",
                                      to_status="released", actor="user:1", at=released))
            task = session.scalars(select(SearchTask).where(SearchTask.request_id == case["id"])).one()
            clip = GatheredRecord(request_id=case["id"], task_id=task.id, source="homes", record_id="CCTV-1",
                                  person_id="P1", title="CCTV clip", origin="connector", added_by="worker",
                                  file_key=rt.files.put(b"mp4"), text_enc=b"token", keep_days=14,
                                  record_metadata={"kind": "cctv_clip", "retention_days": 14})
            session.add(clip)
            session.flush()
            clips[case["id"]] = (clip.id, clip.file_key)
    report = retention.run(rt.db, settings)
    assert [(c["reference"], c["record"]) for c in report.copies] == [(done["reference"], clips[done["id"]][0])]
    with rt.db.transaction() as session:
        gone = session.get(GatheredRecord, clips[done["id"]][0])
        assert gone.file_key is None and gone.text_enc is None and gone.record_metadata["copy_deleted_on"]
        assert session.get(GatheredRecord, clips[just["id"]][0]).file_key == clips[just["id"]][1]
        ordinary = session.scalars(select(GatheredRecord).where(GatheredRecord.request_id == done["id"],
                                                                GatheredRecord.record_id == "R1")).one()
        assert ordinary.file_key == done["files"]["record"]  # an ordinary record follows the case
    assert not (rt.files.root / clips[done["id"]][1][:2] / f"{clips[done['id']][1]}.bin").exists()


def test_the_schedule_runs_the_purge_daily_at_three(rt, settings) -> None:  # type: ignore[no-untyped-def]
    old = full_case(rt)
    job = entry("retention_purge")
    assert job.when == "03:00 London, daily" and not job.working_days_only
    at_night = datetime(2027, 1, 10, 3, 5, tzinfo=UTC)  # a Sunday, 03:05 in London (GMT)
    ran = runner.tick(rt.db, rt.queue, settings, now=at_night, entries=(job,))
    assert ran == {"retention_purge@2027-01-10": {"cases": 1, "id_documents": 0, "copies": 0, "files": 5,
                                                  "held": 0, "purged": [old["reference"]]}}
    with rt.db.transaction() as session:
        run = session.scalars(select(ScheduleRun).where(ScheduleRun.job == "retention_purge")).one()
        assert run.status == "finished" and run.result["purged"] == [old["reference"]]
    assert runner.tick(rt.db, rt.queue, settings, now=at_night + timedelta(minutes=1), entries=(job,)) == {}


def test_on_sqlite_a_purged_id_is_never_given_to_a_new_request(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The demo's database: the purge works with SQLite's foreign keys on, the append-only triggers hold,
    and AUTOINCREMENT keeps the audit trail's ids unambiguous (SQLite would otherwise reuse the highest id)."""
    from rights import config, migrate, runtime

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    lite = runtime.init(config.load("test", database_url=url, redis_url=None, upload_dir=str(tmp_path / "up"),
                                    demo=False))
    try:
        with lite.db.transaction() as session:
            make_request(session, subject=make_person(given_names="Ann"))
            newest = make_request(session, subject=make_person(given_names="Bo"))
            newest.status, newest.closed_at = "withdrawn", ago(800)
            newest_id, reference = newest.id, newest.reference
        assert [c["reference"] for c in retention.run(lite.db, lite.settings).cases] == [reference]
        with lite.db.transaction() as session:
            assert make_request(session, subject=make_person(given_names="Cy")).id == newest_id + 1
            assert session.get(PurgedRequest, newest_id) is not None and audit.verify(session).ok
    finally:
        lite.db.dispose()
