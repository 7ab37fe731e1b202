"""The rest of release, on PostgreSQL with real PDFs read back: a response with nothing to disclose is the
letter alone (prepared, approved and released like any other, release checks still applying); postal
releases put the print pack on the "to post" list, printed from the PDFs, and "Replied" waits for it to be
marked posted; a posted workflow letter is printed from its PDF twin; finalisation after approval is a job
that reports progress, is idempotent and can be run again after it failed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from rights import cases, notify, progress
from rights.bundles import finalise, release, render, versions
from rights.cases import Actor
from rights.cli.process import run_pending
from rights.errors import CaseError
from rights.models import (
    AuditEvent,
    Document,
    DownloadLink,
    JobRun,
    OutboxMessage,
    PostItem,
    RightsRequest,
    SearchTask,
)
from rights.privacy_notice import load as load_notice
from rights.security import cipher_for
from tests.factories import make_person, make_request
from tests.integration.portal_support import Portal, portal_app, prepare_codes
from tests.integration.release_support import WITHHELD_TEXT, decided_case, nothing_held_case, pdf_text
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)
from tests.integration.test_release import EMAIL, MANAGER, OFFICER, act, prepare, view

ADDRESS = {"lines": ["12 Mill Lane", "Exampleton"], "postcode": "EX1 2AB", "current": True}


def _text(data: bytes) -> str:
    return " ".join(" ".join(pdf_text(data)).split())


def _latest(rt, case) -> Any:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        version = versions.latest(session, case["id"])
        session.expunge(version)
        return version


def _code_from_mail(rt) -> str:  # type: ignore[no-untyped-def]
    prepare_codes(rt.db)  # the code is matched and emailed by a job, as a worker would run it
    with rt.db.transaction() as session:
        body = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "progress_code")
                               .order_by(OutboxMessage.created_at.desc())).first()
    return re.search(r"\b(\d{6})\b", body).group(1)


# --------------------------------------------------------------------------------------------------
# Nothing to disclose: the letter is the response


def test_nothing_held_is_a_letter_only_response_prepared_approved_released_and_downloaded(rt, settings) -> None:  # type: ignore[no-untyped-def]
    case = nothing_held_case(rt, settings)
    draft = prepare(rt, case)
    assert (draft.bundle_key, draft.pages, draft.records, draft.withheld) == (None, 0, 0, 0)
    letter = _text(rt.files.get(draft.letter_key))
    assert "DRAFT" in letter and "we do not hold any personal information about you" in letter
    notice = load_notice()
    for service in ("childrens_social_care", "early_help"):  # what was searched, and what was found there
        assert f"{notice.service_label(service)} nothing" in letter
    assert "in a bundle of" not in letter
    for heading in ("purposes", "categories", "recipients", "retention", "Your rights", "Information Commissioner"):
        assert heading in letter

    act(rt, case, OFFICER, "submit_for_approval")
    with pytest.raises(CaseError, match="Open version 1's letter"):  # the approver must read what is sent
        act(rt, case, MANAGER, "approve")
    with rt.db.transaction() as session:
        versions.record_view(session, MANAGER.ref, session.get(RightsRequest, case["id"]),
                             versions.latest(session, case["id"]), "letter")
    act(rt, case, MANAGER, "approve")
    final = _latest(rt, case)
    assert (final.status, final.final_bundle_key, final.final_sha256, final.leak_findings) == ("approved", None,
                                                                                           None, [])
    assert "DRAFT" not in _text(rt.files.get(final.final_letter_key))
    act(rt, case, OFFICER, "release")
    with rt.db.transaction() as session:
        link_id = session.scalars(select(DownloadLink.id).where(DownloadLink.request_id == case["id"])).one()
        mail = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "case_released")).one()
    assert "Download our letter here" in mail and "pages" not in mail

    portal = Portal(portal_app(settings).test_client())
    portal.post(f"/download/{link_id}", {"email": EMAIL})
    portal.post(f"/download/{link_id}/code", {"code": _code_from_mail(rt)})
    page = portal.get(f"/download/{link_id}").get_data(as_text=True)
    assert "Download our letter" in page and "Download your information" not in page
    pdf = portal.get(f"/download/{link_id}/letter.pdf")
    assert pdf.status_code == 200 and "we do not hold any personal information" in _text(pdf.get_data())
    assert portal.get(f"/download/{link_id}/bundle.pdf").status_code == 404


def test_every_record_withheld_gives_a_letter_listing_them_and_the_leak_gate_still_runs(rt, settings) -> None:  # type: ignore[no-untyped-def]
    case = nothing_held_case(rt, settings, withheld=True)
    prepare(rt, case)
    act(rt, case, OFFICER, "submit_for_approval")
    with rt.db.transaction() as session:
        versions.record_view(session, MANAGER.ref, session.get(RightsRequest, case["id"]),
                             versions.latest(session, case["id"]), "letter")
    act(rt, case, MANAGER, "approve")
    version = _latest(rt, case)
    letter = _text(rt.files.get(version.final_letter_key))
    assert (version.bundle_key, version.withheld, version.leak_findings) == (None, 1, [])
    assert "withhold it in full" in letter and "Police disclosure" in letter and "4 May 2023" in letter
    assert "CRIME DPA 2018" in letter and WITHHELD_TEXT[:30] not in letter
    with rt.db.transaction() as session:  # the gate looks for the withheld record's own text in the letter
        ds = versions.decided_set(session, cipher_for(settings.encryption_keys), case["id"])
        assert WITHHELD_TEXT in ds.redacted_strings
        assert finalise.leak_gate(session, cipher_for(settings.encryption_keys), ds,
                                  {"letter": rt.files.get(version.final_letter_key)}) == []


def test_a_letter_only_response_waits_for_the_searches_and_the_release_checks(rt, settings) -> None:  # type: ignore[no-untyped-def]
    case = nothing_held_case(rt, settings, settle=False)
    with rt.db.transaction() as session, pytest.raises(versions.VersionError, match="2 searches not yet confirmed"):
        versions.decided_set(session, cipher_for(settings.encryption_keys), case["id"])
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, case["id"])
        request.details = {**(request.details or {}), "overrides": {"searches_settled": {"by": 5, "reason": "x"}}}
    prepare(rt, case)  # a manager's override of the searches check lets the letter be prepared ...
    with pytest.raises(CaseError, match="Identity verified"):  # ... but the other checks still hold release back
        act(rt, case, OFFICER, "submit_for_approval")
    with rt.db.transaction() as session:  # with no search at all there is nothing to say was searched
        for task in session.scalars(select(SearchTask).where(SearchTask.request_id == case["id"])):
            session.delete(task)
    with rt.db.transaction() as session, pytest.raises(versions.VersionError, match="No system has been searched"):
        versions.decided_set(session, cipher_for(settings.encryption_keys), case["id"])


def test_a_new_search_after_preparing_makes_a_letter_only_version_stale(rt, settings) -> None:  # type: ignore[no-untyped-def]
    """The letter says what was searched: a search added afterwards must not be released unseen."""
    case = nothing_held_case(rt, settings)
    prepare(rt, case)
    with rt.db.transaction() as session:
        session.add(SearchTask(request_id=case["id"], source="send_cases", service="send", source_type="folder",
                               run_by="user:1", status="done"))
    with rt.db.transaction() as session:
        state = versions.state(session, cipher_for(settings.encryption_keys), session.get(RightsRequest, case["id"]))
    assert state.stale and not state.ready


# --------------------------------------------------------------------------------------------------
# Finalisation as a job


def test_finalisation_reports_progress_is_idempotent_and_can_run_again_after_failing(
        rt, settings, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    case = decided_case(rt, settings)
    prepare(rt, case)
    act(rt, case, OFFICER, "submit_for_approval")
    view(rt, case, MANAGER)
    real = versions.render_plan

    def broken(*a: Any, **kw: Any) -> Any:
        raise render.RenderError("rendering took longer than 300 seconds")

    monkeypatch.setattr(versions, "render_plan", broken)
    act(rt, case, MANAGER, "approve")  # runs the job: it fails
    with rt.db.transaction() as session:
        version = versions.latest(session, case["id"])
        panel = release.panel(session, cipher_for(settings.encryption_keys),
                              session.get(RightsRequest, case["id"]), may_prepare=True)
        assert version.status == "approving" and panel.finalising is not None
        assert panel.finalising.status == "failed" and "longer than 300 seconds" in panel.finalising.error
    manager = make_staff(rt, "manager", email="finalise.manager@council.example")
    client = signed_in_client(app, rt, manager)
    page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert "Render the final letter and bundle again" in page and "longer than 300 seconds" in page
    monkeypatch.setattr(versions, "render_plan", real)
    token = csrf(client, f"/staff/cases/{case['reference']}")
    assert client.post(f"/staff/cases/{case['reference']}/release/finalise",
                       data={"csrf_token": token}).status_code == 302
    with rt.db.transaction() as session:
        assert session.get(RightsRequest, case["id"]).status == "ready"
        queued = finalise.latest_job(session, versions.latest(session, case["id"]))
        assert queued is not None and queued.status in ("pending", "queued")
        assert not finalise.retry(session, rt.queue, session.get(RightsRequest, case["id"]), "user:9")
    run_pending(rt.db, rt.queue, 1)
    version = _latest(rt, case)
    assert version.status == "approved" and version.final_sha256
    progress_made = version.render_progress
    assert progress_made["done"] == progress_made["total"] > 5  # tasks rendered and parts joined, then done
    first_sha = version.final_sha256
    result = finalise.finalise(rt.db, settings, rt.files, cipher_for(settings.encryption_keys), version.id)
    assert result == {"version_id": version.id, "skipped": "approved"}  # a second run changes nothing
    assert _latest(rt, case).final_sha256 == first_sha
    with rt.db.transaction() as session:
        runs = session.scalars(select(JobRun.status).where(JobRun.name == finalise.FINALISE_JOB)).all()
        assert sorted(runs) == ["failed", "finished"]
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == case["id"])).all()
        assert {"bundle.approved", "bundle.finalise_retried", "bundle.finalised"} <= set(actions)


# --------------------------------------------------------------------------------------------------
# By post


def test_postal_release_puts_the_print_pack_on_the_to_post_list_and_replied_waits_for_posting(
        rt, settings, app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    case = decided_case(rt, settings, person={"email": None, "addresses": [ADDRESS]}, contact_method="post")
    prepare(rt, case)
    act(rt, case, OFFICER, "submit_for_approval")
    view(rt, case, MANAGER)
    act(rt, case, MANAGER, "approve")
    act(rt, case, OFFICER, "release")
    with rt.db.transaction() as session:
        assert session.scalars(select(DownloadLink).where(DownloadLink.request_id == case["id"])).first() is None
        (item,) = session.scalars(select(PostItem).where(PostItem.request_id == case["id"])).all()
        assert (item.kind, item.status, item.text) == ("print_pack", "to_post", None)
        assert item.address.endswith("EX1 2AB") and "letter and bundle" in item.subject
        item_id, version = item.id, versions.latest(session, case["id"])
        assert item.document_ref == f"response:{version.id}"
        assert progress.status_of(session, case["id"]).responded_on is None, "on the list is not posted"

    client = signed_in_client(app, rt, make_staff(rt, "officer", email="post.officer@council.example"))
    assert "letter and bundle" in client.get("/staff/post").get_data(as_text=True)
    page = client.get(f"/staff/post/{item_id}/print").get_data(as_text=True)
    assert "The letter on its own (PDF)" in page and f"The bundle on its own ({version.pages} pages) (PDF)" in page
    assert page.index("The print pack: the letter, then the bundle") < page.index("The letter on its own")
    letter = client.get(f"/staff/post/{item_id}/pdf/letter")
    bundle = client.get(f"/staff/post/{item_id}/pdf/bundle")
    pack = client.get(f"/staff/post/{item_id}/pdf/pack")
    assert letter.mimetype == bundle.mimetype == pack.mimetype == "application/pdf"
    assert bundle.get_data() == rt.files.get(version.final_bundle_key), "the approved bundle, not a draft"
    assert "12 Mill Lane" in _text(letter.get_data())
    # One file to print: the letter, a blank back if the letter ends on a front, then the whole bundle.
    letter_pages, bundle_pages, pack_pages = (pdf_text(r.get_data()) for r in (letter, bundle, pack))
    blank = len(letter_pages) % 2
    assert len(pack_pages) == len(letter_pages) + blank + len(bundle_pages) == len(letter_pages) + blank + version.pages
    assert pack_pages[:len(letter_pages)] == letter_pages and pack_pages[len(letter_pages) + blank:] == bundle_pages
    assert all(not p.strip() for p in pack_pages[len(letter_pages):len(letter_pages) + blank])
    assert client.get(f"/staff/post/{item_id}/pdf/document").status_code == 404
    case_page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert "letters to post" in case_page

    with rt.db.transaction() as session:
        notify.mark_posted(session, item_id, on=date(2026, 3, 20), today=date(2026, 3, 21), actor="user:1")
    with rt.db.transaction() as session:
        assert progress.status_of(session, case["id"]).responded_on == date(2026, 3, 20)
        printed = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "post.printed")).all()
        assert sorted(d["part"] for d in printed) == ["bundle", "letter", "pack"]
    assert "was posted on" in client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)


def test_release_with_no_email_and_no_address_is_refused(rt, settings) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(rt, settings, person={"email": None, "addresses": []})
    prepare(rt, case)
    act(rt, case, OFFICER, "submit_for_approval")
    view(rt, case, MANAGER)
    act(rt, case, MANAGER, "approve")
    with pytest.raises(CaseError, match="no email address or postal address"):
        act(rt, case, OFFICER, "release")


def test_a_posted_workflow_letter_is_printed_from_its_pdf_twin(rt, settings, app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    officer = make_staff(rt, "officer", email="twin.officer@council.example")
    with rt.db.transaction() as session:
        request = make_request(session, subject=make_person(email=None, addresses=[ADDRESS]), contact_method="post")
        result = cases.ask_for_identity(session, rt.queue, request, Actor(officer.id, "officer"),
                                        on=date(2026, 3, 3), today=date(2026, 3, 3))
        assert result.post_letter
        request_id = request.id
    with rt.db.transaction() as session:
        (item,) = session.scalars(select(PostItem).where(PostItem.request_id == request_id)).all()
        assert item.text and item.document_ref is None  # until the PDF exists, the text is what there is
        item_id = item.id
    client = signed_in_client(app, rt, officer)
    assert 'id="letter-text"' in client.get(f"/staff/post/{item_id}/print").get_data(as_text=True)
    run_pending(rt.db, rt.queue, 1)  # the letter's PDF twin is rendered and stored by its job
    with rt.db.transaction() as session:
        item = session.get(PostItem, item_id)
        document = session.scalars(select(Document).where(Document.request_id == request_id,
                                                          Document.purpose == "letter")).one()
        assert item.document_ref == f"document:{document.id}"
        stored = rt.files.get(document.storage_key)
    page = client.get(f"/staff/post/{item_id}/print").get_data(as_text=True)
    assert "The letter (PDF)" in page and 'id="letter-text"' not in page
    pdf = client.get(f"/staff/post/{item_id}/pdf/document")
    assert pdf.mimetype == "application/pdf" and pdf.get_data() == stored
    assert "proof of your identity" in _text(stored) and "12 Mill Lane" in _text(stored)
    assert client.get(f"/staff/post/{item_id}/pdf/bundle").status_code == 404


def test_the_case_page_shows_a_draft_being_prepared_and_why_preparing_failed(
        rt, settings, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Pressing "Prepare the response" queues a job: the release section says it is waiting, then (the render
    failing) says why and offers the button again; a version once stored replaces both."""
    case = decided_case(rt, settings)
    officer = make_staff(rt, "officer", email="prepare.officer@council.example")
    client = signed_in_client(app, rt, officer)
    url = f"/staff/cases/{case['reference']}"
    assert client.post(f"{url}/release/prepare", data={"csrf_token": csrf(client, url)}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "The letter and bundle are being prepared: waiting for a worker" in page
    assert "Prepare the response</button>" not in page, "no second press while the first is waiting"

    real = versions.render_plan

    def broken(*a: Any, **kw: Any) -> Any:
        raise render.RenderError("rendering needed more memory than the render limit allows")

    monkeypatch.setattr(versions, "render_plan", broken)
    run_pending(rt.db, rt.queue, 1)
    with rt.db.transaction() as session:
        panel = release.panel(session, cipher_for(settings.encryption_keys),
                              session.get(RightsRequest, case["id"]), may_prepare=True)
        assert panel.preparing is not None and panel.preparing.status == "failed"
    page = client.get(url).get_data(as_text=True)
    assert "Preparing the letter and bundle failed: rendering needed more memory than the render limit allows." in page
    assert "Prepare the response</button>" in page, "the officer can try again"

    monkeypatch.setattr(versions, "render_plan", real)
    with rt.db.transaction() as session:
        versions.defer_prepare(session, rt.queue, case["id"], f"user:{officer.id}")
    run_pending(rt.db, rt.queue, 1)
    page = client.get(url).get_data(as_text=True)
    assert 'id="preparing"' not in page and "Prepared versions" in page
