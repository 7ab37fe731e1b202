"""Release made real, on PostgreSQL with real PDFs read back: preparing a version from the decisions (as a
job, idempotent), staleness after a decision change, approval of that version by another manager only,
release refused unless approved and leak-free, the download behind a fresh code (expired and wrong codes
refused, every download audited), the progress page's "Replied", and ``rights bundle``'s JSON."""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from rights import cases, clock, progress
from rights.bundles import finalise, release, versions
from rights.cli.bundle import bundle_command
from rights.cli.process import run_pending
from rights.errors import CaseError
from rights.models import AuditEvent, BundleVersion, DownloadLink, OutboxMessage, RightsRequest, Role, utcnow
from rights.permissions import Actor
from rights.redaction import decisions
from rights.security import cipher_for
from tests.integration.portal_support import prepare_codes
from tests.integration.redaction_support import SECRETS
from tests.integration.release_support import decided_case, pdf_everything, pdf_text

OFFICER = Actor(id=1, role=Role.OFFICER.value, name="Officer", reference="user:1")
MANAGER = Actor(id=5, role=Role.MANAGER.value, name="Manager", reference="user:5")
OTHER_MANAGER = Actor(id=6, role=Role.MANAGER.value, name="Other", reference="user:6")
EMAIL = "amelia.parent@example.org"


@pytest.fixture
def case(rt, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return decided_case(rt, settings)


def act(rt, case, actor: Actor, event: str, *, finish: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Perform ``event``; approving queues the finalisation job, which a worker then runs (unless not
    ``finish``, to look at the version while it is being finalised)."""
    from datetime import date

    with rt.db.transaction() as session:
        request = session.get(RightsRequest, case["id"])
        cases.perform(session, rt.queue, request, actor, event, today=date.today())
    if event == "approve" and finish:
        run_pending(rt.db, rt.queue, 1)


def prepare(rt, case) -> BundleVersion:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, case["id"])
        versions.defer_prepare(session, rt.queue, request.id, OFFICER.ref)
    run_pending(rt.db, rt.queue, 1)
    with rt.db.transaction() as session:
        version = versions.latest(session, case["id"])
        assert version is not None, "the prepare job stored no version"
        session.expunge(version)
        return version


def view(rt, case, actor: Actor) -> None:  # type: ignore[no-untyped-def]
    """The manager opens the version's bundle (as the case page's link does)."""
    with rt.db.transaction() as session:
        versions.record_view(session, actor.ref, session.get(RightsRequest, case["id"]),
                             versions.latest(session, case["id"]), "bundle")


def approved(rt, case) -> BundleVersion:  # type: ignore[no-untyped-def]
    prepare(rt, case)
    act(rt, case, OFFICER, "submit_for_approval")
    view(rt, case, MANAGER)
    act(rt, case, MANAGER, "approve")
    with rt.db.transaction() as session:
        version = versions.latest(session, case["id"])
        session.expunge(version)
        return version


def test_prepare_makes_a_draft_version_once_per_set_of_decisions(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    first = prepare(rt, case)
    assert (first.number, first.status, first.records, first.withheld) == (1, "draft", 2, 1)
    bundle = rt.files.get(first.bundle_key)
    assert hashlib.sha256(bundle).hexdigest() == first.bundle_sha256
    pages = pdf_text(bundle)
    assert len(pages) == first.pages > 1
    assert all("DRAFT" in page for page in pages), "a draft must be marked on every page"
    assert all("DRAFT" in page for page in pdf_text(rt.files.get(first.letter_key)))
    assert rt.files.raw(first.bundle_key)[:4] != b"%PDF", "stored encrypted at rest"
    again = prepare(rt, case)  # same decisions: the same version, nothing rendered again
    assert again.id == first.id
    with rt.db.transaction() as session:
        assert len(versions.versions(session, case["id"])) == 1


def test_a_decision_after_preparing_makes_the_version_stale(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    prepare(rt, case)
    with rt.db.transaction() as session:
        decisions.add_redaction(session, cipher_for(settings.encryption_keys), settings.secret_key, case["id"],
                                case["call"], "blue van", "CRIME", "user:1")
        request = session.get(RightsRequest, case["id"])
        state = versions.state(session, cipher_for(settings.encryption_keys), request)
    assert state.stale and not state.ready
    with pytest.raises(CaseError, match="decisions changed"):
        act(rt, case, OFFICER, "submit_for_approval")
    second = prepare(rt, case)
    assert second.number == 2
    act(rt, case, OFFICER, "submit_for_approval")


def test_approval_by_another_manager_only_and_release_needs_approval(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CaseError, match="Prepare the response"):
        act(rt, case, OFFICER, "submit_for_approval")
    prepare(rt, case)
    act(rt, case, OFFICER, "submit_for_approval")
    preparer_manager = Actor(id=1, role=Role.MANAGER.value, name="Officer", reference="user:1")
    with pytest.raises(CaseError, match="different manager"):
        act(rt, case, preparer_manager, "approve")
    with pytest.raises(CaseError, match="before approving"):  # a manager approves what they saw
        act(rt, case, MANAGER, "approve")
    view(rt, case, MANAGER)
    act(rt, case, MANAGER, "approve", finish=False)
    with rt.db.transaction() as session:  # approved; the final PDFs are a job's work, and release waits for it
        version = versions.latest(session, case["id"])
        assert (version.status, version.final_bundle_key) == ("approving", None)
        assert session.get(RightsRequest, case["id"]).status == "ready"
    with pytest.raises(CaseError, match="still being rendered"):
        act(rt, case, OFFICER, "release")
    run_pending(rt.db, rt.queue, 1)
    with rt.db.transaction() as session:
        version = versions.latest(session, case["id"])
        assert version.status == "approved" and version.approved_by == "user:5" and version.leak_findings == []
        final = rt.files.get(version.final_bundle_key)
        assert hashlib.sha256(final).hexdigest() == version.final_sha256 != version.bundle_sha256
    assert not any("DRAFT" in page for page in pdf_text(final))
    if os.environ.get("RIGHTS_SCREENSHOTS"):  # to look at the released pair
        Path(os.environ["RIGHTS_SCREENSHOTS"], "released-bundle.pdf").write_bytes(final)
        Path(os.environ["RIGHTS_SCREENSHOTS"], "released-letter.pdf").write_bytes(
            rt.files.get(version.final_letter_key))
    everything = pdf_everything(final) + pdf_everything(rt.files.get(version.final_letter_key))
    for secret in SECRETS:
        assert secret not in everything
    assert "SWHARM" in everything and "TP" in everything  # withheld and redacted by code, not content
    letter_pages = pdf_text(rt.files.get(version.final_letter_key))
    assert all(f"Our reference: {case['reference']}" in p for p in letter_pages), "the reference in every footer"


def test_release_refused_when_the_leak_gate_finds_removed_text(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    approved(rt, case)
    with rt.db.transaction() as session:  # as if the approved PDF carried a removed string on page 2
        version = versions.latest(session, case["id"])
        version.leak_findings = [{"file": "bundle", "where": "page 2 (pypdf)", "record": "Case note N-2"}]
    with pytest.raises(CaseError, match="leak check"):
        act(rt, case, OFFICER, "release")


def test_leak_gate_names_the_page_and_record(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    version = approved(rt, case)
    with rt.db.transaction() as session:
        ds = versions.decided_set(session, cipher_for(settings.encryption_keys), case["id"])
        leaky = finalise.leak_gate(session, cipher_for(settings.encryption_keys),
                                   ds.__class__(included=ds.included, withheld=ds.withheld,
                                                redacted_strings=["met her mother"], fingerprint=ds.fingerprint),
                                   {"bundle": rt.files.get(version.final_bundle_key)})
    assert leaky and any(f["where"].startswith("page") for f in leaky)
    assert all(f["record"].startswith("Case note N-1") for f in leaky)


def _release(rt, case) -> DownloadLink:  # type: ignore[no-untyped-def]
    approved(rt, case)
    with pytest.raises(CaseError):  # nothing sent yet: the requester's page must not say "Replied"
        act(rt, case, MANAGER, "close")
    act(rt, case, OFFICER, "release")
    with rt.db.transaction() as session:
        link = session.scalars(select(DownloadLink).where(DownloadLink.request_id == case["id"])).one()
        session.expunge(link)
        return link


def test_release_emails_a_link_never_the_data_and_replied_waits_for_sending(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    link = _release(rt, case)
    assert link.expires_at - link.created_at == timedelta(days=settings.download_days)
    with rt.db.transaction() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "case_released")).one()
        assert f"/download/{link.id}" in message.body_text
        for secret in SECRETS:
            assert secret not in message.body_text
        status = progress.status_of(session, case["id"])
        assert status is not None and status.responded_on is None, "queued is not sent"
        message.status, message.sent_at = "sent", utcnow()
    with rt.db.transaction() as session:
        status = progress.status_of(session, case["id"])
        assert status is not None and status.responded_on is not None


def test_download_needs_a_fresh_code_and_is_audited(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    link = _release(rt, case)
    with rt.db.transaction() as session:
        assert release.open_link(session, link.id) is not None
        assert release.open_link(session, link.id, now=link.expires_at + timedelta(seconds=1)) is None
        assert release.open_link(session, "nosuchlink") is None
        challenge = progress.start_check(session, rt.queue, reference=case["reference"], email=EMAIL)
    prepare_codes(rt.db)
    with rt.db.transaction() as session:
        code_message = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "progress_code")).one()
    code = next(w for w in code_message.body_text.split() if w.isdigit() and len(w) == 6)
    wrong = "000000" if code != "000000" else "111111"
    with rt.db.transaction() as session:
        result, _ = progress.check_code(session, secret_key=settings.secret_key, challenge_id=challenge, code=wrong)
        assert result is progress.CheckResult.WRONG
    with rt.db.transaction() as session:
        result, request_id = progress.check_code(session, secret_key=settings.secret_key, challenge_id=challenge,
                                                 code=code)
        assert result is progress.CheckResult.OK and request_id == case["id"]
        row = release.open_link(session, link.id)
        data = release.download(session, rt.files, row, "bundle")
    assert data[:4] == b"%PDF" and not any("DRAFT" in p for p in pdf_text(data))
    with rt.db.transaction() as session:
        audits = session.scalars(select(AuditEvent).where(AuditEvent.action == release.DOWNLOAD_ACTION)).all()
        assert [a.detail["file"] for a in audits] == ["bundle"]
        assert [d.file for d in release.downloads_of(session, case["id"])] == ["bundle"]
        assert session.get(DownloadLink, link.id).downloads == 1


def test_expiring_links_feed_the_schedule(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    link = _release(rt, case)
    day = link.expires_at.date()
    with rt.db.transaction() as session:
        found = release.expiring_links(session, day - timedelta(days=3), day + timedelta(days=1))
    assert [f.link_id for f in found] == [link.id] and found[0].url.endswith(f"/download/{link.id}")
    from rights.schedule import reminders
    from rights.schedule.context import RunContext

    remind_on = link.expires_at.astimezone(clock.LONDON).date() - timedelta(days=reminders.DOWNLOAD_REMINDER_DAYS)
    with rt.db.transaction() as session:  # the schedule asks the registered query and reminds the requester
        counts = reminders.requester_reminders(session, rt.queue, RunContext(today=remind_on, now=utcnow(),
                                                                              settings=settings))
        assert counts["download_reminders"] == 1
        reminder = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "download_link_expiring")
                                   ).one()
        assert f"/download/{link.id}" in reminder.body_text


def test_rights_bundle_writes_both_pdfs_and_prints_json(rt, settings, case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(bundle_command, [case["reference"], "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    bundle = (tmp_path / "bundle.pdf").read_bytes()
    assert summary["draft"] is True and summary["version"] is None
    assert summary["sha256"] == hashlib.sha256(bundle).hexdigest()
    assert summary["pages"] == len(pdf_text(bundle)) and (summary["records"], summary["withheld"]) == (2, 1)
    assert all("DRAFT" in p for p in pdf_text(bundle))
    assert pdf_text((tmp_path / "letter.pdf").read_bytes())
    version = approved(rt, case)
    result = CliRunner().invoke(bundle_command, [case["reference"], "--out", str(tmp_path / "final")])
    summary = json.loads(result.output)
    assert (summary["draft"], summary["version"], summary["sha256"]) == (False, version.number, version.final_sha256)


def test_rights_bundle_refuses_in_one_line(rt, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.redaction_support import gathered_case

    result = CliRunner().invoke(bundle_command, ["SAR-1999-99999", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no request" in result.output
    undecided = gathered_case(rt, settings)
    result = CliRunner().invoke(bundle_command, [undecided["reference"], "--out", str(tmp_path)])
    assert result.exit_code == 2 and "not decided" in result.output and "Traceback" not in result.output


def test_a_council_that_asks_for_pdf_a_gets_it_in_every_released_file(rt, settings, case) -> None:  # type: ignore[no-untyped-def]
    """RIGHTS_PDF_A: the final letter and bundle (what the requester downloads) both declare PDF/A-2b."""
    import pikepdf

    settings.pdf_a = True
    version = approved(rt, case)
    assert version.status == "approved"
    for key in (version.final_letter_key, version.final_bundle_key):
        with pikepdf.open(io.BytesIO(rt.files.get(key))) as pdf:
            assert "/OutputIntents" in pdf.Root
            with pdf.open_metadata() as xmp:
                assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")) == ("2", "B")
        assert not any("DRAFT" in page for page in pdf_text(rt.files.get(key)))
