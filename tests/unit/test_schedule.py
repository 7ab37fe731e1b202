"""The schedule's pure parts: London times across the clock changes, periods, catch-up, chase days, templates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from rights.notify.backends import Email
from rights.schedule.chasers import chase_number
from rights.schedule.reminders import close_on, reminder_due
from rights.schedule.runner import due_period, next_run
from rights.schedule.table import SCHEDULE, Entry

DAILY_7 = Entry("t", "test", at=time(7, 0))
WORKING_7 = Entry("w", "test", at=time(7, 0), working_days_only=True)
MINUTE = Entry("m", "test", every=timedelta(minutes=1))


@pytest.mark.parametrize(("now", "key", "due_at"), [
    # GMT (winter): 07:00 London is 07:00 UTC
    (datetime(2026, 1, 15, 6, 59, tzinfo=UTC), "2026-01-14", datetime(2026, 1, 14, 7, 0, tzinfo=UTC)),
    (datetime(2026, 1, 15, 7, 0, tzinfo=UTC), "2026-01-15", datetime(2026, 1, 15, 7, 0, tzinfo=UTC)),
    # BST (summer): 07:00 London is 06:00 UTC
    (datetime(2026, 7, 15, 5, 59, tzinfo=UTC), "2026-07-14", datetime(2026, 7, 14, 6, 0, tzinfo=UTC)),
    (datetime(2026, 7, 15, 6, 0, tzinfo=UTC), "2026-07-15", datetime(2026, 7, 15, 6, 0, tzinfo=UTC)),
    # the spring change (Sun 29 Mar 2026, 01:00 UTC): the day before at GMT, the day itself at BST
    (datetime(2026, 3, 29, 6, 30, tzinfo=UTC), "2026-03-29", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    (datetime(2026, 3, 28, 6, 30, tzinfo=UTC), "2026-03-27", datetime(2026, 3, 27, 7, 0, tzinfo=UTC)),
    # the autumn change (Sun 25 Oct 2026): BST on the Saturday, GMT on the Sunday
    (datetime(2026, 10, 24, 6, 0, tzinfo=UTC), "2026-10-24", datetime(2026, 10, 24, 6, 0, tzinfo=UTC)),
    (datetime(2026, 10, 25, 6, 30, tzinfo=UTC), "2026-10-24", datetime(2026, 10, 24, 6, 0, tzinfo=UTC)),
    (datetime(2026, 10, 25, 7, 0, tzinfo=UTC), "2026-10-25", datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    # London's date, not UTC's: 23:30 UTC in summer is already the next day in London
    (datetime(2026, 7, 15, 23, 30, tzinfo=UTC), "2026-07-15", datetime(2026, 7, 15, 6, 0, tzinfo=UTC)),
])
def test_daily_period_is_07_00_london_in_gmt_and_bst(now: datetime, key: str, due_at: datetime) -> None:
    period = due_period(DAILY_7, now)
    assert (period.key, period.due_at, period.today) == (key, due_at, date.fromisoformat(key))


@pytest.mark.parametrize(("now", "key"), [
    (datetime(2026, 12, 26, 12, 0, tzinfo=UTC), "2026-12-24"),  # Sat: the last working day was Thu 24th
    (datetime(2026, 12, 28, 12, 0, tzinfo=UTC), "2026-12-24"),  # Mon 28th is Boxing Day's substitute
    (datetime(2026, 12, 29, 6, 59, tzinfo=UTC), "2026-12-24"),
    (datetime(2026, 12, 29, 7, 0, tzinfo=UTC), "2026-12-29"),
])
def test_working_day_jobs_skip_weekends_and_bank_holidays(now: datetime, key: str) -> None:
    assert due_period(WORKING_7, now).key == key


def test_next_run_crosses_the_clock_changes_at_07_00_london() -> None:
    assert next_run(DAILY_7, datetime(2026, 3, 28, 8, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert next_run(DAILY_7, datetime(2026, 10, 24, 8, 0, tzinfo=UTC)) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    assert next_run(WORKING_7, datetime(2026, 12, 24, 8, 0, tzinfo=UTC)) == datetime(2026, 12, 29, 7, 0, tzinfo=UTC)
    assert next_run(MINUTE, datetime(2026, 1, 1, 10, 0, 30, tzinfo=UTC)) == datetime(2026, 1, 1, 10, 1, tzinfo=UTC)


def test_a_long_downtime_has_one_period_to_catch_up() -> None:
    """Three days down: only the latest period is due, so the job runs once on return, not three times."""
    after = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)  # back on Friday after Tuesday to Thursday down
    assert due_period(DAILY_7, after).key == "2026-01-16"
    assert due_period(MINUTE, after).key == "2026-01-16T09:00Z"


@pytest.mark.parametrize(("started", "today", "number"), [
    (date(2026, 1, 5), date(2026, 1, 7), None),  # Mon -> Wed: 2 working days
    (date(2026, 1, 5), date(2026, 1, 8), 1),  # Thu: the 3rd working day
    (date(2026, 1, 5), date(2026, 1, 9), None),
    (date(2026, 1, 5), date(2026, 1, 12), 2),  # Mon: the 5th (the weekend does not count)
    (date(2026, 1, 5), date(2026, 1, 10), None),  # Saturday: never a chase day
    (date(2026, 1, 5), date(2026, 1, 14), 3),
    (date(2026, 12, 22), date(2026, 12, 29), 1),  # Wed 23, Thu 24, [Fri 25, Mon 28 holidays], Tue 29
])
def test_record_holders_are_chased_on_the_3rd_working_day_then_every_2nd(started: date, today: date,
                                                                          number: int | None) -> None:
    assert chase_number(started, today) == number


def test_requester_reminder_and_closing_dates() -> None:
    asked = date(2026, 1, 2)
    assert not reminder_due(asked, date(2026, 1, 15), 14)
    assert reminder_due(asked, date(2026, 1, 16), 14)
    assert close_on(asked, date(2026, 1, 16), 28) == date(2026, 1, 30)
    assert close_on(asked, date(2026, 1, 28), 28) == date(2026, 2, 4)  # a late reminder still gives a week


def test_the_schedule_has_the_retention_purge_daily_and_unique_names() -> None:
    names = [e.name for e in SCHEDULE]
    assert len(names) == len(set(names))
    purge = next(e for e in SCHEDULE if e.name == "retention_purge")  # a real job (rights.retention), daily
    assert purge.job is not None and purge.at is not None and not purge.working_days_only
    assert all((e.at is None) != (e.every is None) and (e.job is None) != (e.rule is None) for e in SCHEDULE)


# ---------------------------------------------------------------------------------------- templates

CASES = [{"reference": "SAR-2026-00001", "due": "Fri 13 Feb 2026", "url": "https://x/staff/cases/SAR-2026-00001"},
         {"reference": "SAR-2026-00002", "due": "Mon 16 Feb 2026", "url": "https://x/staff/cases/SAR-2026-00002",
          "notice_by": "Mon 2 Feb 2026"}]
MESSAGES = {
    "requester_evidence_reminder": {"reference": "SAR-2026-00001", "requester_name": "Sam Example",
                                    "asked_for": "proof of identity", "asked_on": "1 January 2026",
                                    "close_on": "29 January 2026"},
    "requester_case_closed": {"reference": "SAR-2026-00001", "requester_name": "Sam Example",
                              "asked_for": "proof of identity", "asked_on": "1 January 2026",
                              "reminded_on": "15 January 2026", "ico_url": "https://ico.org.uk/make-a-complaint/"},
    "download_link_expiring": {"reference": "SAR-2026-00001", "requester_name": "Sam Example",
                               "expires_on": "3 February 2026", "url": "https://x/download/abc"},
    "officer_digest": {"today": "2 February 2026", "overdue": CASES[:1], "due_soon": CASES[1:], "extension": CASES[1:],
                       "waiting": []},
    "manager_digest": {"today": "2 February 2026", "overdue": [], "due_soon": CASES, "extension": CASES[1:],
                       "reports_url": "https://x/staff/reports"},
    "record_holder_reminder": {"name": "Holder", "cases": CASES, "count": 2},
    "record_holder_escalation": {"name": "Manager", "count": 1, "tasks": [
        {"reference": "SAR-2026-00001", "service": "education", "chase": 2, "due": "Fri 13 Feb 2026",
         "url": "https://x/staff/cases/SAR-2026-00001"}]},
}


@pytest.mark.parametrize("template", sorted(MESSAGES))
def test_every_scheduled_message_renders_in_text_and_html(template: str) -> None:
    from rights.notify.render import render

    context = {"council_name": "Test Council", "service_url": "https://x", "service_name": "Rights",
               **MESSAGES[template]}
    rendered = render(template, context)
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.html is not None and "<html" in rendered.html
    for value in ("SAR-2026-00001",):
        if template != "officer_digest" or value in str(context):
            assert value in rendered.text and value in rendered.html
    if template == "manager_digest":
        assert "https://x/staff/reports" in rendered.text and 'href="https://x/staff/reports"' in rendered.html
    if template in ("officer_digest", "manager_digest", "record_holder_reminder", "record_holder_escalation"):
        assert "Sam" not in rendered.text  # staff digests list references and dates, never names


def test_html_part_escapes_what_a_citizen_typed() -> None:
    from rights.notify.render import render

    context = {"council_name": "C", "service_url": "u", "service_name": "s",
               **MESSAGES["requester_evidence_reminder"], "requester_name": "<script>x</script>"}
    rendered = render("requester_evidence_reminder", context)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html


def test_notify_payload_uses_the_kind_template_and_its_fields_else_the_generic_one() -> None:
    from rights.notify.backends import NotifyBackend

    backend = NotifyBackend("key-" + "0" * 36 + "-" + "1" * 36, "generic-id",
                            template_ids={"requester_evidence_reminder": "kind-id"})
    email = Email(key="k", to="a@example.org", subject="S", text="T", kind="requester_evidence_reminder",
                  reference="SAR-2026-00001/7", personalisation={"close_on": "29 January 2026"})
    payload = backend.payload(email)
    assert payload == {"email_address": "a@example.org", "template_id": "kind-id", "reference": "SAR-2026-00001/7",
                       "personalisation": {"subject": "S", "body": "T", "close_on": "29 January 2026"}}
    generic = backend.payload(Email(key="k2", to="b@example.org", subject="S", text="T", kind="officer_digest",
                                    personalisation={"overdue": "3"}))
    assert generic["template_id"] == "generic-id"
    assert generic["personalisation"] == {"subject": "S", "body": "T"}
    assert generic["reference"] == "k2"


def test_notify_template_ids_are_read_as_kind_id_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    from rights import config

    monkeypatch.setenv("NOTIFY_TEMPLATE_IDS", "officer_digest=abc, manager_digest = def")
    assert config.load("development").notify_template_ids == {"officer_digest": "abc", "manager_digest": "def"}
    monkeypatch.setenv("NOTIFY_TEMPLATE_IDS", "officer_digest")
    with pytest.raises(config.ConfigError, match="NOTIFY_TEMPLATE_IDS"):
        config.load("development")
    monkeypatch.delenv("NOTIFY_TEMPLATE_IDS")
    monkeypatch.setenv("RIGHTS_CLOSE_UNANSWERED_DAYS", "10")
    with pytest.raises(config.ConfigError, match="RIGHTS_CLOSE_UNANSWERED_DAYS"):
        config.load("development")


def test_an_idle_worker_wakes_for_each_maintenance_round() -> None:
    """RQ runs maintenance (taking over a dead worker's scheduler, so its retries and the tick move again) only
    between waits for a job; an idle worker must not wait longer than a round."""
    import fakeredis
    from rq import Queue, Worker

    from rights.schedule.worker import MAINTENANCE_SECONDS, ScheduleWorker

    connection = fakeredis.FakeStrictRedis()
    queue = Queue("rights-test-idle", connection=connection)
    assert Worker([queue], connection=connection).dequeue_timeout > MAINTENANCE_SECONDS  # RQ's own: minutes
    worker = ScheduleWorker([queue], connection=connection, maintenance_interval=MAINTENANCE_SECONDS)
    assert worker.dequeue_timeout <= MAINTENANCE_SECONDS
