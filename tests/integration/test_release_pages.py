"""The release pages through the app: the case page's release section (prepare, view a version inline,
audited), and the requester's download page behind a fresh code (wrong code refused, expired link gone,
download audited)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from rights.bundles import versions
from rights.cli.process import run_pending
from rights.models import AuditEvent, DownloadLink, OutboxMessage, RightsRequest, utcnow
from tests.integration.portal_support import Portal, portal_app, prepare_codes
from tests.integration.release_support import decided_case, pdf_text
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)
from tests.integration.test_release import EMAIL, MANAGER, act, view


def test_officer_prepares_and_views_a_version_on_the_case_page(app, rt, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    case = decided_case(rt, settings)
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert "Response and release" in page and "Prepare the response" in page
    token = csrf(client, f"/staff/cases/{case['reference']}")
    response = client.post(f"/staff/cases/{case['reference']}/release/prepare", data={"csrf_token": token})
    assert response.status_code == 302
    run_pending(rt.db, rt.queue, 1)
    readings = []
    real_state = versions.state
    monkeypatch.setattr(versions, "state", lambda *a, **k: readings.append(1) or real_state(*a, **k))
    page = client.get(f"/staff/cases/{case['reference']}").get_data(as_text=True)
    assert "Prepared versions" in page and "draft" in page
    # The buttons and the release panel are drawn from one reading of the version (a second reading could
    # see a version the first did not), which also computes the disclosure fingerprint once.
    assert len(readings) == 1 and "Send for approval" in page
    pdf = client.get(f"/staff/cases/{case['reference']}/release/versions/1/bundle")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")
    assert all("DRAFT" in p for p in pdf_text(pdf.get_data()))
    assert client.get(f"/staff/cases/{case['reference']}/release/versions/1/bundle-final").status_code == 404
    with rt.db.transaction() as session:
        viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "bundle.viewed")).all()
        assert [v.detail["version"] for v in viewed] == [1]


def test_requester_downloads_with_a_fresh_code(rt, settings) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(rt, settings)
    from tests.integration.test_release import OFFICER, prepare

    prepare(rt, case)
    act(rt, case, OFFICER, "submit_for_approval")
    view(rt, case, MANAGER)
    act(rt, case, MANAGER, "approve")
    act(rt, case, OFFICER, "release")
    with rt.db.transaction() as session:
        link_id = session.scalars(select(DownloadLink.id)).one()
    portal = Portal(portal_app(settings).test_client())
    assert portal.get(f"/download/{link_id}/bundle.pdf").status_code == 302  # no code yet: nothing
    page = portal.get(f"/download/{link_id}").get_data(as_text=True)
    assert "Send me a code" in page
    response = portal.post(f"/download/{link_id}", {"email": EMAIL})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/download/{link_id}/code")
    prepare_codes(rt.db)
    with rt.db.transaction() as session:
        body = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == "progress_code")).one()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    html = portal.post(f"/download/{link_id}/code", {"code": wrong}).get_data(as_text=True)
    assert "The code is not correct" in html
    response = portal.post(f"/download/{link_id}/code", {"code": code})
    assert response.status_code == 302
    files = portal.get(f"/download/{link_id}").get_data(as_text=True)
    assert "Download our letter" in files and "Download your information" in files
    pdf = portal.get(f"/download/{link_id}/bundle.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Disposition"].startswith("attachment")
    assert not any("DRAFT" in p for p in pdf_text(pdf.get_data()))
    with rt.db.transaction() as session:
        audits = session.scalars(select(AuditEvent).where(AuditEvent.action == "release.downloaded")).all()
        assert [a.detail["file"] for a in audits] == ["bundle"] and audits[0].request_id == case["id"]
        session.execute(update(DownloadLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert portal.get(f"/download/{link_id}/bundle.pdf").status_code == 410
    assert portal.get(f"/download/{link_id}").status_code == 410
    assert portal.get("/download/doesnotexist").status_code == 410
    with rt.db.transaction() as session:
        assert session.get(RightsRequest, case["id"]).status == "released"
