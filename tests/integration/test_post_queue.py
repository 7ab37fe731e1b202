"""The post queue on PostgreSQL: letters for postal requesters are queued with the address, encrypted at
rest, listed for officers, marked posted with the date, and every step is audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from rights import cases, notify
from rights.cases import Actor
from rights.models import AuditEvent, OutboxMessage, PostItem, RightsRequest
from rights.notify import PostError
from tests.factories import make_person, make_request
from tests.integration.staff_support import (
    app,  # noqa: F401 - fixture
    csrf,
    make_staff,
    signed_in_client,
)

ADDRESS = {"lines": ["12 Mill Lane", "Exampleton"], "postcode": "EX1 2AB", "current": True}


@pytest.fixture
def officer(rt) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(make_staff(rt, "officer").id, "officer")


def postal_case(rt, *, email: str | None = None, methods: str = "post") -> int:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        subject = make_person(email=email, addresses=[ADDRESS])
        request = make_request(session, subject=subject, contact_method=methods,
                               received_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        return request.id


def items(rt, request_id: int) -> list[PostItem]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        found = list(session.scalars(select(PostItem).where(PostItem.request_id == request_id).order_by(PostItem.id)))
        session.expunge_all()
        return found


def actions(rt, request_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == request_id)
                                    .order_by(AuditEvent.id)))


def test_a_workflow_letter_to_a_postal_requester_is_queued_listed_and_marked_posted(rt, officer) -> None:
    rid = postal_case(rt, email="still.has.email@example.org", methods="post")
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        result = cases.ask_for_identity(session, rt.queue, request, officer, on=date(2026, 3, 3),
                                        today=date(2026, 3, 3))
        assert result.post_letter and '"to post" list' in result.message
        assert "emailed" not in result.message  # post was chosen alone: no email as well
    (item,) = items(rt, rid)
    assert item.kind == "case_id_request" and item.status == "to_post"
    assert item.address == "12 Mill Lane\nExampleton\nEX1 2AB"
    assert item.addressee == "Amelia Hart" and item.text and "Amelia Hart" in item.text
    with rt.db.transaction() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.request_id == rid)).all() == []
        # Encrypted at rest: the stored column holds no trace of the address or the letter.
        raw = session.execute(text("SELECT address, text FROM post_items WHERE id = :id"), {"id": item.id}).one()
        assert "Mill Lane" not in raw.address and "Amelia" not in raw.text
        listed = notify.to_post(session)
        assert [i.id for i in listed] == [item.id]

    with rt.db.transaction() as session, pytest.raises(PostError, match="future"):
        notify.mark_posted(session, item.id, on=date(2026, 3, 5), today=date(2026, 3, 4), actor="user:1")
    with rt.db.transaction() as session:
        notify.mark_posted(session, item.id, on=date(2026, 3, 4), today=date(2026, 3, 4), actor="user:1")
    with rt.db.transaction() as session:
        notify.mark_posted(session, item.id, on=date(2026, 3, 4), today=date(2026, 3, 4), actor="user:1")  # again
        assert notify.to_post(session) == []
    (posted,) = items(rt, rid)
    assert (posted.status, posted.posted_on, posted.posted_by) == ("posted", date(2026, 3, 4), "user:1")
    trail = actions(rt, rid)
    assert trail.count("post.queued") == 1 and trail.count("post.posted") == 1


def test_email_and_post_both_chosen_sends_both(rt, officer) -> None:
    rid = postal_case(rt, email="both@example.org", methods="email,post")
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        result = cases.ask_for_identity(session, rt.queue, request, officer, on=date(2026, 3, 3),
                                        today=date(2026, 3, 3))
        assert "emailed" in result.message and '"to post"' in result.message
        assert len(session.scalars(select(OutboxMessage).where(OutboxMessage.request_id == rid)).all()) == 1
    assert len(items(rt, rid)) == 1


def test_no_email_means_post_and_queueing_is_idempotent_on_key(rt) -> None:
    rid = postal_case(rt, email=None, methods="email")
    with rt.db.transaction() as session:
        first = notify.queue_post(session, request_id=rid, kind="print_pack", key="pack:1",
                                  address=["1 Road", "EX1 1AA"], addressee="A Person", subject="Your information",
                                  document_ref="bundle:7")
        again = notify.queue_post(session, request_id=rid, kind="print_pack", key="pack:1",
                                  address=["1 Road", "EX1 1AA"], addressee="A Person", subject="Your information",
                                  document_ref="bundle:7")
        assert first.id == again.id
        with pytest.raises(PostError, match="no postal address"):
            notify.queue_post(session, request_id=rid, kind="x", key="pack:2", address=[" "], addressee="A",
                              subject="s", text="t")
    assert actions(rt, rid).count("post.queued") == 1


def test_the_to_post_pages_list_print_and_mark_posted(app, rt) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rid = postal_case(rt, email=None, methods="post")
    login = make_staff(rt, "officer")
    with rt.db.transaction() as session:
        request = session.get(RightsRequest, rid)
        reference = request.reference
        cases.ask_for_identity(session, rt.queue, request, Actor(login.id, "officer"), on=date(2026, 3, 3),
                               today=date(2026, 3, 3))
    (item,) = items(rt, rid)
    client = signed_in_client(app, rt, login)
    page = client.get("/staff/post").get_data(as_text=True)
    assert reference in page and "12 Mill Lane, Exampleton, EX1 2AB" in page and "To post" in page
    printed = client.get(f"/staff/post/{item.id}/print").get_data(as_text=True)
    assert 'id="letter-address"' in printed and "EX1 2AB" in printed and "Amelia Hart" in printed
    token = csrf(client, "/staff/post")
    response = client.post(f"/staff/post/{item.id}/posted",
                           data={f"p{item.id}-csrf_token": token, f"p{item.id}-on": ["4", "3", "2026"]})
    assert response.status_code == 302
    (posted,) = items(rt, rid)
    assert posted.status == "posted" and posted.posted_on == date(2026, 3, 4)
    after = client.get("/staff/post").get_data(as_text=True)
    assert "There are no letters waiting to be posted." in after and 'id="posted"' in after
