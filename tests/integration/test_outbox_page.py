"""The administrators' outbox page: statuses and failures without bodies, and an audited, single resend."""

from __future__ import annotations

from sqlalchemy import select

from rights.models import AuditEvent, JobRun, OutboxMessage
from rights.notify import queue_email
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)


def test_admin_sees_envelopes_not_bodies_and_resends_once(app, rt) -> None:  # noqa: F811
    with rt.db.transaction() as session:
        ok = queue_email(session, rt.queue, key="a", to="sam.secret@example.org", template="progress_code",
                         context={"code": "918273", "reference": "SAR-2026-00001", "minutes": 15})
        bad = queue_email(session, rt.queue, key="b", to="kim@example.org", template="progress_code",
                          context={"code": "564738", "reference": "SAR-2026-00002", "minutes": 15})
        ok.status, bad.status, bad.last_error = "sent", "unknown", "The worker stopped while sending"
        bad_id = bad.id
    admin = make_staff(rt, "admin")
    client = signed_in_client(app, rt, admin)
    page = client.get("/staff/admin/outbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Unknown: 1" in html and "Sent: 1" in html and "The worker stopped while sending" in html
    assert "918273" not in html and "564738" not in html  # no bodies
    assert "sam.secret@" not in html and "s…@example.org" in html  # addresses masked
    token = csrf(client, "/staff/admin/outbox")
    assert client.post(f"/staff/admin/outbox/{bad_id}/resend", data={"csrf_token": token}).status_code == 302
    with rt.db.transaction() as session:
        message = session.get(OutboxMessage, bad_id)
        assert (message.status, message.resends) == ("pending", 1)
        runs = session.scalars(select(JobRun).where(JobRun.name == "send_outbox")).all()
        assert sum(run.args == [bad_id] for run in runs) == 2  # the first send and the resend
        message.status = "unknown"  # suppose it was lost again: a second resend is refused
    client.post(f"/staff/admin/outbox/{bad_id}/resend", data={"csrf_token": token})
    with rt.db.transaction() as session:
        assert session.get(OutboxMessage, bad_id).resends == 1
        resent = session.scalars(select(AuditEvent).where(AuditEvent.action == "email.resent")).all()
    assert [(e.actor, e.target) for e in resent] == [(f"user:{admin.id}", f"outbox:{bad_id}")]
    officer = signed_in_client(app, rt, make_staff(rt, "officer"))
    assert officer.get("/staff/admin/outbox").status_code == 403
