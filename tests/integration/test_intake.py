"""Receiving a request: references, the London date of receipt, the first clock, duplicates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rights.models import AuditEvent, RequestKind
from tests.factories import make_person, make_request


def test_references_count_per_type_and_year(db) -> None:
    with db.transaction() as session:
        refs = [make_request(session, subject=make_person(given_names=f"Child{i}")).reference for i in range(3)]
        complaint = make_request(session, kind=RequestKind.COMPLAINT,
                                 received_at=datetime(2026, 7, 1, 9, tzinfo=UTC)).reference
        next_year = make_request(session, received_at=datetime(2027, 1, 4, 9, tzinfo=UTC)).reference
    assert refs == ["SAR-2026-00001", "SAR-2026-00002", "SAR-2026-00003"]
    assert complaint == "DPC-2026-00001"
    assert next_year == "SAR-2027-00001"


def test_received_date_is_the_london_calendar_date(db) -> None:
    with db.transaction() as session:
        # 23:30 UTC on 30 June is 00:30 BST on 1 July: received on 1 July.
        request = make_request(session, received_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
        assert request.received_on == date(2026, 7, 1)
        assert request.due_on == date(2026, 8, 3)  # 1 Aug 2026 is a Saturday
        assert request.extension_notice_by == date(2026, 8, 3)


def test_receipt_is_audited(db) -> None:
    with db.transaction() as session:
        request = make_request(session, channel="letter")
        request_id = request.id
    with db.transaction() as session:  # entries are sealed into the chain as their transaction commits
        event = session.query(AuditEvent).filter_by(request_id=request_id).one()
    assert event.action == "request.received"
    assert event.detail["channel"] == "letter"


def test_possible_duplicate_is_flagged_not_blocked(db) -> None:
    with db.transaction() as session:
        first = make_request(session, received_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
        second = make_request(session, received_at=datetime(2026, 3, 20, 9, tzinfo=UTC))
        other_child = make_request(session, subject=make_person(date_of_birth=date(2014, 1, 1)),
                                   received_at=datetime(2026, 3, 21, 9, tzinfo=UTC))
        much_later = make_request(session, received_at=datetime(2026, 5, 20, 9, tzinfo=UTC))
        assert second.possible_duplicate_of_id == first.id
        assert other_child.possible_duplicate_of_id is None
        assert much_later.possible_duplicate_of_id is None
