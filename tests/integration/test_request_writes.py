"""What one page costs the database: a draft's expiry moves at most once a minute and a page reads its draft
once, and a staff page reads its session and account in one statement, so a page commits once or twice
rather than three times."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from rights.drafts import TOUCH_GRANULARITY, Drafts
from rights.models import PortalDraft, utcnow
from tests.integration.portal_support import Portal, portal_app
from tests.integration.staff_support import app, make_staff, signed_in_client  # noqa: F401 - the app fixture

pytestmark = pytest.mark.integration


@contextmanager
def statements(rt: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(rt.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", record)


def test_a_drafts_expiry_moves_at_most_once_a_minute(rt: Any) -> None:
    drafts = Drafts(rt.cipher, timedelta(minutes=60))
    saved_at = utcnow()
    with rt.db.transaction() as session:
        drafts.save(session, "token", {"who": {"role": "self_adult"}}, now=saved_at)
    for seconds, moved in ((30, False), (TOUCH_GRANULARITY.total_seconds() + 1, True)):
        read_at = saved_at + timedelta(seconds=seconds)
        with rt.db.transaction() as session:
            drafts.touch(session, "token", now=read_at)
        with rt.db.transaction() as session:
            expires = session.scalars(select(PortalDraft.expires_at)).one()
        assert (expires == read_at + timedelta(minutes=60)) is moved
        assert expires >= read_at + timedelta(minutes=60) - TOUCH_GRANULARITY  # never less than the idle less a minute


def test_a_page_read_right_after_an_answer_writes_nothing(rt: Any, settings: Any) -> None:
    application = portal_app(settings)
    portal = Portal(application.test_client())
    portal.answer("who", {"role": "self_adult"})
    served = application.extensions["rights"]  # the app's own engine
    with statements(served) as seen:
        assert portal.get("/request/type").status_code == 200
    assert [s for s in seen if s.startswith(("UPDATE", "INSERT", "DELETE"))] == []
    assert len([s for s in seen if s.startswith("SELECT portal_drafts")]) == 1, seen  # read once, kept alive on it
    with statements(served) as seen:
        portal.answer("type", {"kind": "access"})
    writes = [s for s in seen if s.startswith(("UPDATE", "INSERT", "DELETE"))]
    assert len(writes) == 1 and writes[0].startswith("UPDATE portal_drafts"), writes
    assert len([s for s in seen if s.startswith("SELECT portal_drafts")]) == 1, seen  # saving does not read again
    assert portal.get("/request/check").status_code in (200, 302)
    with rt.db.transaction() as session:
        assert session.scalars(select(PortalDraft)).one().answers_enc  # the saved answers are there


def test_a_draft_is_saved_new_then_updated_and_kept_alive_on_read(rt: Any) -> None:
    drafts = Drafts(rt.cipher, timedelta(minutes=60))
    start = utcnow()
    with rt.db.transaction() as session:
        drafts.save(session, "fresh", {"who": {"role": "self_adult"}}, now=start)
    with rt.db.transaction() as session:
        drafts.save(session, "fresh", {"who": {"role": "parent"}}, now=start + timedelta(seconds=5))
    later = start + TOUCH_GRANULARITY + timedelta(seconds=10)
    with rt.db.transaction() as session:
        assert drafts.load(session, "fresh", now=later, keep_alive=True) == {"who": {"role": "parent"}}
    with rt.db.transaction() as session:
        row = session.scalars(select(PortalDraft)).one()
        assert row.created_at == start and row.expires_at == later + timedelta(minutes=60)
        assert drafts.load(session, "fresh", now=later + timedelta(minutes=61)) is None  # expired


def test_a_staff_page_reads_the_account_once(app: Any, rt: Any) -> None:  # noqa: F811 - the fixture
    client = signed_in_client(app, rt, make_staff(rt, "officer"))
    client.get("/staff/cases")
    with statements(app.extensions["rights"]) as seen:
        assert client.get("/staff/cases").status_code == 200
    accounts = [s for s in seen if ("users.email" in s and "FROM staff_sessions" in s) or
                s.startswith("SELECT users.id, users.email")]
    assert len(accounts) == 1, seen  # the session and its account in one statement, not read again
    assert len([s for s in seen if "FROM staff_sessions" in s]) == 1, seen
