"""Searches on the dashboard, through the Flask test client on PostgreSQL with the demo source systems.

The subject is the demo's "another child with the same name", written on the request with the day and
month of birth swapped (as requesters do): the matcher sends the real child to review in each system and
rejects the look-alike, so an officer has something to settle. Jobs run synchronously with
``run_pending`` (``rights.jobs.execute`` on each queued run).
"""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from rights import jobs
from rights.cli.process import run_pending
from rights.demo.connector import source_name
from rights.demo.requests import demo_requests
from rights.models import AuditEvent, GatheredRecord, JobRun, RightsRequest, SearchCandidate, SearchTask
from rights.security import cipher_for, store_for
from tests.factories import make_person, make_request
from tests.integration.source_builders import make_docx, make_docx_bomb, make_pdf
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)

CSC = source_name("childrens_social_care")
RESIDENTIAL = source_name("residential_homes")


def transposed_subject() -> tuple[Any, str]:
    """The look-alike showcase child with day and month of birth swapped; and their id in social care."""
    demo = next(d for d in demo_requests() if d.label.startswith("another child"))
    s = demo.subject
    dob = s.date_of_birth
    assert dob is not None and dob.day <= 12 and dob.day != dob.month
    person = make_person(given_names=s.given_names, family_name=s.family_name,
                         date_of_birth=date(dob.year, dob.day, dob.month), email="requester@example.org",
                         addresses=[{"lines": list(a.lines), "postcode": a.postcode, "current": a.current}
                                    for a in s.addresses])
    return person, demo.person_ids[CSC][0]


@pytest.fixture
def case(rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    person, csc_id = transposed_subject()
    with rt.db.transaction() as session:
        request = make_request(session, subject=person, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                               services=["youth_justice"])
        return {"reference": request.reference, "id": request.id, "csc_id": csc_id}


@pytest.fixture
def officer(app, rt):  # type: ignore[no-untyped-def]  # noqa: F811
    login = make_staff(rt, "officer", name="Olivia Officer")
    return login, signed_in_client(app, rt, login)


def post(client: Any, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client, "/staff/signed-out"), **(data or {})}, **kw)


def start_search(rt: Any, client: Any, reference: str, event: str = "start_search") -> None:
    """Post the action, then run its jobs to the end, as a worker would: what RQ holds, then any run still
    waiting in the database (a run can be committed an instant after the queue was read, and a search's
    matching defers more jobs), until none is left."""
    response = post(client, f"/staff/cases/{reference}/actions/{event}")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    for _ in range(5):
        run_pending(rt.db, rt.queue, 4)
        with rt.db.transaction() as session:
            waiting = list(session.scalars(select(JobRun.id).where(JobRun.status.in_(("pending", "queued")))))
        if not waiting:
            return
        for run_id in waiting:
            with contextlib.suppress(Exception):  # a failure is recorded on its run and its task
                jobs.execute(rt.db, run_id)
        rt.queue.queue.empty()  # each of those ran here; RQ's copies would only be second deliveries
    with rt.db.transaction() as session:
        left = [(r.name, r.status, r.error) for r in session.scalars(select(JobRun)) if r.status != "finished"]
    raise AssertionError(f"jobs still waiting after five rounds: {left}")


def tasks(rt: Any) -> dict[str, SearchTask]:
    with rt.db.transaction() as session:
        rows = session.scalars(select(SearchTask)).all()
        session.expunge_all()
        return {t.source: t for t in rows}


def actions(rt: Any, action: str) -> list[AuditEvent]:
    with rt.db.transaction() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        session.expunge_all()
        return list(rows)


def test_officer_starts_searches_of_every_system_and_settles_a_review_match(app, rt, case, officer) -> None:  # noqa: F811
    login, client = officer
    page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert 'id="searches"' in page and "No source system has been searched yet" in page

    start_search(rt, client, case["reference"])
    by_source = tasks(rt)
    assert len(by_source) == 7  # every demo system, though the request named only youth justice
    assert {t.run_by for t in by_source.values()} == {f"user:{login.id}"}
    assert by_source[CSC].status == "needs_review" and by_source[CSC].record_count == 0
    assert all(t.status in ("done", "needs_review") for t in by_source.values())
    with rt.db.transaction() as session:
        assert session.get(RightsRequest, case["id"]).status == "searching"
        review = session.scalars(select(SearchCandidate).where(
            SearchCandidate.task_id == by_source[CSC].id, SearchCandidate.outcome == "review")).one()
        assert review.person_id == case["csc_id"]
        explanation = list(review.explanation)
        review_id = review.id
        lookalikes = session.scalars(select(SearchCandidate).where(
            SearchCandidate.outcome == "accept")).all()
        assert lookalikes == []  # nobody accepted automatically on a swapped date of birth

    page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert "Needs review" in page and case["csc_id"] in page and "Why this score" in page
    assert all(line.replace("'", "&#39;") in page for line in explanation[:2])
    assert f'/searches/candidates/{review_id}"' in page and 'value="accept"' in page

    response = post(client, f"/staff/cases/{case['reference']}/searches/candidates/{review_id}",
                    {"decision": "accept"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#searches")
    run_pending(rt.db, rt.queue, 1)
    after = tasks(rt)[CSC]
    assert after.record_count > 0 and after.status in ("done", "needs_review")
    (decided,) = actions(rt, "search.candidate_decided")
    assert decided.actor == f"user:{login.id}" and decided.detail["decision"] == "accepted"

    with rt.db.transaction() as session:
        record = session.scalars(select(GatheredRecord).where(GatheredRecord.task_id == after.id)
                                 .order_by(GatheredRecord.id)).first()
        assert record.person_id == case["csc_id"]
        plain = record.text_enc and cipher_for(rt.settings.encryption_keys).decrypt(record.text_enc).decode()
        record_id, title = record.id, record.title
    page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert f"/staff/searches/{after.id}/records/{record_id}" in page and "Officer accepted" in page
    shown = client.get(f"/staff/searches/{after.id}/records/{record_id}")
    assert shown.status_code == 200 and title in shown.get_data(as_text=True)
    if plain:
        assert plain.splitlines()[0].replace("'", "&#39;") in shown.get_data(as_text=True)
    (viewed,) = actions(rt, "record.viewed")
    assert viewed.target == f"gathered_record:{record_id}" and viewed.request_id == case["id"]

    # A second decision on the same case by a bad request is refused; a candidate of another case is 404.
    assert post(client, f"/staff/cases/{case['reference']}/searches/candidates/{review_id}",
                {"decision": "maybe"}).status_code == 400
    assert post(client, f"/staff/cases/{case['reference']}/searches/candidates/999999",
                {"decision": "reject"}).status_code == 404


def test_search_log_lists_each_search_and_downloads_as_text(app, rt, case, officer) -> None:  # noqa: F811
    _login, client = officer
    start_search(rt, client, case["reference"])
    page = client.get(f"/staff/cases/{case['reference']}/search-log")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for source in tasks(rt):
        assert f'id="log-{source}"' in html
    assert "given names, family name, date of birth, 1 address(es)" in html and "Olivia Officer" in html
    assert "Not confirmed yet" in html
    download = client.get(f"/staff/cases/{case['reference']}/search-log.txt")
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert "attachment" in download.headers["Content-Disposition"]
    body = download.get_data(as_text=True)
    assert f"Search log for {case['reference']}" in body and f"{CSC} (childrens_social_care, demo)" in body
    assert "Olivia Officer" in body and "user:" not in body  # people's names, not their ids
    assert "(times are London times)" in body and "Times are London times." in html
    assert [e.action for e in actions(rt, "search_log.viewed")] == ["search_log.viewed"]
    assert len(actions(rt, "search_log.downloaded")) == 1


def test_search_again_requeues_every_system_and_gathers_nothing_twice(app, rt, case, officer) -> None:  # noqa: F811
    _login, client = officer
    start_search(rt, client, case["reference"])
    with rt.db.transaction() as session:
        review = session.scalars(select(SearchCandidate).where(SearchCandidate.person_id == case["csc_id"])).one()
        review_id = review.id
    post(client, f"/staff/cases/{case['reference']}/searches/candidates/{review_id}", {"decision": "accept"})
    run_pending(rt.db, rt.queue, 1)
    first = tasks(rt)[CSC].record_count
    page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert "Search the systems again" in page
    start_search(rt, client, case["reference"], "search_again")
    again = tasks(rt)
    assert again[CSC].attempts == 2 and again[CSC].record_count == first
    assert len(actions(rt, "search.requested")) == 2


def test_a_search_that_cannot_start_leaves_the_case_where_it_was(app, rt, settings, case, officer,  # noqa: F811
                                                                 tmp_path) -> None:
    _login, client = officer
    settings.sources_file = str(tmp_path / "missing.toml")
    response = post(client, f"/staff/cases/{case['reference']}/actions/start_search")
    assert response.status_code == 400 and "The search cannot start" in response.get_data(as_text=True)
    with rt.db.transaction() as session:
        assert session.get(RightsRequest, case["id"]).status == "received"
        assert session.scalars(select(SearchTask)).all() == []


def test_record_holder_reaches_only_their_services_tasks(app, rt, case, officer) -> None:  # noqa: F811
    start_search(rt, officer[1], case["reference"])
    by_source = tasks(rt)
    login = make_staff(rt, "record_holder", services=("childrens_social_care", "residential_homes"),
                       name="Rory Recordholder")
    client = signed_in_client(app, rt, login)
    # The request names only youth justice: the case page stays closed to this holder, their tasks do not.
    assert client.get(f"/staff/cases/{case['reference']}").status_code == 404
    listing = client.get("/staff/my-searches").get_data(as_text=True)
    assert f"/staff/searches/{by_source[CSC].id}\"" in listing
    assert f"/staff/searches/{by_source[RESIDENTIAL].id}\"" in listing
    others = [t for s, t in by_source.items() if t.service not in ("childrens_social_care", "residential_homes")]
    assert others and all(f"/staff/searches/{t.id}\"" not in listing for t in others)
    own = client.get(f"/staff/searches/{by_source[CSC].id}").get_data(as_text=True)
    assert "Who to search for" in own and case["csc_id"] in own

    denied_before = len(actions(rt, "access.denied"))
    other = others[0]
    assert client.get(f"/staff/searches/{other.id}").status_code == 404
    assert post(client, f"/staff/searches/{other.id}/confirm").status_code == 404
    assert post(client, f"/staff/searches/{other.id}/none-held").status_code == 404
    with rt.db.transaction() as session:
        session.add(GatheredRecord(request_id=case["id"], task_id=other.id, source=other.source, record_id="x1",
                                   person_id="p", title="Another service's record", added_by="worker"))
        session.flush()
        other_record = session.scalars(select(GatheredRecord.id).where(GatheredRecord.record_id == "x1")).one()
    assert client.get(f"/staff/searches/{other.id}/records/{other_record}").status_code == 404
    assert client.get(f"/staff/searches/{by_source[CSC].id}/records/{other_record}").status_code == 404
    denied = actions(rt, "access.denied")[denied_before:]
    assert len(denied) == 5 and {d.actor for d in denied} == {f"user:{login.id}"}
    assert all(d.request_id == case["id"] for d in denied[:4])
    assert actions(rt, "search.confirmed") == [] and actions(rt, "record.viewed") == []


def test_record_holder_confirms_reports_none_held_and_uploads(app, rt, settings, case, officer) -> None:  # noqa: F811
    start_search(rt, officer[1], case["reference"])
    by_source = tasks(rt)
    login = make_staff(rt, "record_holder", services=("childrens_social_care", "residential_homes"),
                       name="Rory Recordholder")
    client = signed_in_client(app, rt, login)
    csc, residential = by_source[CSC].id, by_source[RESIDENTIAL].id
    assert by_source[RESIDENTIAL].record_count == 0
    with rt.db.transaction() as session:
        session.get(SearchTask, csc).status = "running"
    early = post(client, f"/staff/searches/{csc}/confirm", {"confirm-note": "too soon"})
    assert early.status_code == 400 and "has not finished yet" in early.get_data(as_text=True)
    with rt.db.transaction() as session:
        session.get(SearchTask, csc).status = "needs_review"

    response = post(client, f"/staff/searches/{residential}/none-held", {"none-note": "No placements."})
    assert response.status_code == 302
    response = post(client, f"/staff/searches/{csc}/confirm", {"confirm-note": "Searched LCS and paper files."})
    assert response.status_code == 302
    with rt.db.transaction() as session:
        task = session.get(SearchTask, csc)
        assert task.confirmed_by_id == login.id and task.note == "Searched LCS and paper files."
        assert session.get(SearchTask, residential).none_held

    docx = make_docx("Core assessment for the subject, 2019.")
    pdf = make_pdf("Strategy meeting minutes.")
    for name, data, title in (("assessment.docx", docx, "Core assessment"), ("minutes.pdf", pdf, None),
                              ("note.txt", b"Handwritten note transcribed: contact visit.", "Note")):
        response = post(client, f"/staff/searches/{csc}/records",
                        {"upload-file": (io.BytesIO(data), name), "upload-title": title or "",
                         "upload-record_date": ["4", "6", "2019"]},
                        content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    refused = post(client, f"/staff/searches/{csc}/records",
                   {"upload-file": (io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)), "report.pdf")},
                   content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "must be a PDF, Word document (DOCX), JPG, PNG or text file" in refused.get_data(as_text=True)
    bomb = make_docx_bomb()
    refused = post(client, f"/staff/searches/{csc}/records", {"upload-file": (io.BytesIO(bomb), "notes.docx")},
                   content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "this document could not be read safely: a part is compressed" in refused.get_data(as_text=True)
    settings.max_upload_bytes = 1024
    too_big = post(client, f"/staff/searches/{csc}/records",
                   {"upload-file": (io.BytesIO(b"a" * 2048), "big.txt")}, content_type="multipart/form-data")
    assert too_big.status_code == 400 and "must be smaller than" in too_big.get_data(as_text=True)

    store = store_for(settings.upload_dir, settings.encryption_keys)
    with rt.db.transaction() as session:
        uploads = {r.file_name: r for r in session.scalars(select(GatheredRecord).where(
            GatheredRecord.task_id == csc, GatheredRecord.origin == "upload"))}
        assert set(uploads) == {"assessment.docx", "minutes.pdf", "note.txt"}
        assessment = uploads["assessment.docx"]
        assert assessment.title == "Core assessment" and assessment.record_date == date(2019, 6, 4)
        assert assessment.added_by == f"user:{login.id}"
        raw = session.execute(text("SELECT text_enc FROM gathered_records WHERE id = :i"),
                              {"i": assessment.id}).scalar()
        assert b"Core assessment" not in bytes(raw) and b"Core assessment" not in store.raw(assessment.file_key)
        note_id = uploads["note.txt"].id
    page = client.get(f"/staff/searches/{csc}/records/{note_id}").get_data(as_text=True)
    assert "Handwritten note transcribed: contact visit." in page
    download = client.get(f"/staff/searches/{csc}/records/{assessment.id}/file")
    assert download.status_code == 200 and download.data == docx
    assert "attachment" in download.headers["Content-Disposition"]
    assert len(actions(rt, "search.record_uploaded")) == 3 and len(actions(rt, "record.viewed")) == 2

    log = officer[1].get(f"/staff/cases/{case['reference']}/search-log.txt").get_data(as_text=True)
    assert "record holder: search confirmed (Rory Recordholder" in log
    assert "record holder: none held (Rory Recordholder" in log
    assert "of which uploaded by the record holder: 3" in log


def test_record_holder_on_the_case_page_sees_only_their_services_searches(app, rt, officer) -> None:  # noqa: F811
    person, _csc_id = transposed_subject()
    with rt.db.transaction() as session:
        reference = make_request(session, subject=person, received_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                                 services=["childrens_social_care"]).reference
    start_search(rt, officer[1], reference)
    by_source = tasks(rt)
    client = signed_in_client(app, rt, make_staff(rt, "record_holder", services=("childrens_social_care",)))
    page = client.get(f"/staff/cases/{reference}").get_data(as_text=True)
    assert f'id="search-task-{by_source[CSC].id}"' in page
    assert f"/staff/searches/{by_source[CSC].id}\"" in page  # "Open your task"
    assert all(f'id="search-task-{t.id}"' not in page for s, t in by_source.items() if s != CSC)
    assert 'value="accept"' not in page and "/search-log" not in page


def test_case_page_lists_the_background_jobs_from_the_database(app, rt, case, officer) -> None:  # noqa: F811
    """Officers see each job's status from its database row, without asking Redis."""
    _login, client = officer
    start_search(rt, client, case["reference"])
    html = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert 'id="jobs"' in html
    jobs_table = html.split('id="jobs"', 1)[1]
    assert jobs_table.count("search source") == 7
    assert "finished" in jobs_table
