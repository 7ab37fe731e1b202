"""Every emailed workflow letter gets its PDF twin stored on the case (a job after the event, once per
event), saying the same thing as the email; ``letter_pdf_for`` prints one for the post queue."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from rights import cases
from rights.bundles import case_letters, versions
from rights.cli.process import run_pending
from rights.models import Document, OutboxMessage, RightsRequest, Role
from rights.permissions import Actor
from tests.factories import make_request
from tests.integration.release_support import pdf_text
from tests.integration.staff_support import make_staff


def test_an_extension_letter_is_emailed_and_stored_as_the_same_pdf(rt) -> None:  # type: ignore[no-untyped-def]
    login = make_staff(rt, "manager")
    manager = Actor(id=login.id, role=Role.MANAGER.value, name="Manager", reference=f"user:{login.id}")
    with rt.db.transaction() as session:
        request = make_request(session)
        cases.perform(session, rt.queue, request, manager, "extend",
                      cases.Firing(reason="records held by nine services"), today=date(2026, 3, 10))
        request_id, reference = request.id, request.reference
    run_pending(rt.db, rt.queue, 1)
    run_pending(rt.db, rt.queue, 1)  # a retry of the same event stores nothing twice
    with rt.db.transaction() as session:
        (document,) = session.scalars(select(Document).where(Document.request_id == request_id,
                                                             Document.purpose == case_letters.LETTER_PURPOSE)).all()
        email = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "case_extension")).one()
        text = "\n".join(pdf_text(rt.files.get(document.storage_key)))
        assert reference in text and "records held by nine services" in text
        assert "records held by nine services" in email.body_text
        assert document.filename.startswith(f"{reference}-extension-")
        request = session.get(RightsRequest, request_id)
        again = case_letters.store_letter(session, rt.settings, rt.files, request_id, "extension",
                                          "records held by nine services", int(document.filename.split("-")[-1][:-4]))
        assert again is not None and again.id == document.id


def test_letter_pdf_for_the_post_queue(rt) -> None:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        request = make_request(session)
        pdf = case_letters.letter_pdf_for(session, request, "acknowledgement")
        assert request.reference in "\n".join(pdf_text(pdf))
        with pytest.raises(versions.VersionError, match="once a version is approved"):
            case_letters.letter_pdf_for(session, request, "access_response")
