"""A simulated month over 200 requests in mixed states: exactly the expected messages, day by day.

The expectations are derived here from the rules as the README states them (working days counted by a
plain loop over the statutory calendar), not by calling the schedule's own functions, so a rule that
drifts from its statement fails this test.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from rights import clock
from rights.models import ClockEvent, OutboxMessage, RequestKind, RightsRequest, SearchTask, User
from rights.schedule.simulate import run_days
from tests.factories import make_person, make_request

START = date(2026, 12, 1)  # a Tuesday; the month holds Christmas Day and Boxing Day (observed Mon 28th)
DAYS = 31
N = 200
WAITING = {"received", "review", "ready", "outcome", "notifying_recipients", "acknowledged", "investigating"}


def working(d: date) -> bool:
    return clock.is_working_day(d)


def wd_after(a: date, b: date) -> int:
    """Working days in (a, b], by walking the calendar."""
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += working(d)
    return n


def first_working_on_or_after(d: date) -> date:
    while not working(d):
        d += timedelta(days=1)
    return d


@dataclass
class Case:
    i: int
    kind: str
    status: str
    due: date
    assignee: int | None
    email: str | None
    notice_by: date | None = None
    extended: bool = False
    responded: bool = False
    ask: date | None = None  # identity asked for, or clarification (paused), on this day
    paused: bool = False
    tasks: list[tuple[str, date, bool]] = field(default_factory=list)  # (service, search finished, confirmed)
    reference: str = ""
    closed_on: date | None = None


def plan_cases() -> list[Case]:
    cases = []
    for i in range(N):
        group = i % 5
        kind = RequestKind.COMPLAINT.value if i % 10 == 9 else (
            RequestKind.ERASURE.value if i % 7 == 3 else RequestKind.ACCESS.value)
        due = date(2026, 11, 25) + timedelta(days=(i * 7) % 50)
        c = Case(i=i, kind=kind, status="review", due=due, assignee=None,
                 email=None if i % 6 == 0 else f"requester{i}@example.org")
        if kind != RequestKind.COMPLAINT.value:
            c.notice_by = due - timedelta(days=20 if i % 2 else 45)
            c.extended = i % 8 == 1
        if group == 0:
            c.kind, c.status = RequestKind.ACCESS.value, "awaiting_id"
            c.ask = date(2026, 11, 10) + timedelta(days=i % 25)
        elif group == 1:
            c.kind, c.status, c.ask, c.paused = RequestKind.ACCESS.value, "searching", \
                date(2026, 11, 8) + timedelta(days=i % 27), True
        elif group == 2:
            c.kind, c.status = RequestKind.ACCESS.value, "searching"
            services = ("childrens_social_care", "education", "housing")
            c.tasks = [(services[i % 3], date(2026, 11, 20) + timedelta(days=i % 15), i % 4 == 0),
                       (services[(i + 1) % 3], date(2026, 11, 27) + timedelta(days=i % 9), False)]
        elif group == 3:
            c.status = "received" if kind == RequestKind.ACCESS.value else (
                "acknowledged" if kind == RequestKind.COMPLAINT.value else "assessment")
        else:
            c.status, c.responded = ("released", True) if i % 2 else ("awaiting_approval", False)
        if c.kind == RequestKind.COMPLAINT.value:
            c.notice_by, c.extended = None, False
            if c.status not in ("released", "awaiting_approval"):
                c.status = "investigating"
            elif c.status == "released":
                c.status = "closed"
            else:
                c.status = "outcome"
        cases.append(c)
    return cases


def build(rt, cases: list[Case]) -> dict[str, User]:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        staff = {
            "o1": User(email="o1@council.example", name="Officer One", role="officer", password_hash="x"),
            "o2": User(email="o2@council.example", name="Officer Two", role="officer", password_hash="x"),
            "o3": User(email="o3@council.example", name="Officer Three", role="officer", password_hash="x"),
            "gone": User(email="gone@council.example", name="Left", role="officer", password_hash="x", active=False),
            "m1": User(email="m1@council.example", name="Manager CSC", role="manager", password_hash="x",
                       services=["childrens_social_care"]),
            "m2": User(email="m2@council.example", name="Manager", role="manager", password_hash="x"),
            "h1": User(email="h1@council.example", name="Holder CSC", role="record_holder", password_hash="x",
                       services=["childrens_social_care"]),
            "h2": User(email="h2@council.example", name="Holder Edu", role="record_holder", password_hash="x",
                       services=["education"]),
            "admin": User(email="admin@council.example", name="Admin", role="admin", password_hash="x"),
        }
        session.add_all(staff.values())
        session.flush()
        assignees = [staff["o1"].id, staff["o2"].id, staff["o3"].id, staff["gone"].id, None, staff["m2"].id]
        for c in cases:
            received = (c.ask - timedelta(days=10)) if c.ask else date(2026, 10, 1) + timedelta(days=c.i % 40)
            requester = make_person(given_names=f"Req{c.i}", email=c.email)
            r = make_request(session, kind=RequestKind(c.kind),
                             received_at=datetime.combine(received, time(10), tzinfo=UTC), requester=requester,
                             subject=requester)
            c.assignee = assignees[c.i % len(assignees)]
            r.status, r.due_on, r.extension_notice_by, r.assignee_id = c.status, c.due, c.notice_by, c.assignee
            r.responded_on = date(2026, 11, 20) if c.responded else None
            if c.ask and not c.paused:
                r.clock_events.append(ClockEvent(kind="id_requested", on=c.ask))
            if c.ask and c.paused:
                r.clock_events.append(ClockEvent(kind="paused", on=c.ask))
            if c.extended:
                r.clock_events.append(ClockEvent(kind="extended", on=received + timedelta(days=3)))
            session.flush()
            for service, finished, confirmed in c.tasks:
                at = datetime.combine(finished, time(11), tzinfo=UTC)
                session.add(SearchTask(request_id=r.id, source=f"{service}-system", service=service,
                                       source_type="sql", status="done", run_by="system", queued_at=at,
                                       finished_at=at, confirmed_at=at if confirmed else None))
            c.reference = r.reference
    return staff


def plural(n: int, one: str, many: str) -> str:
    return f"{n}{one if n == 1 else many}"


def expected(cases: list[Case], staff: dict[str, User]) -> dict[date, Counter[tuple[str, str, str]]]:
    """(template, recipient, subject) counts per day, from the rules as stated (subjects carry the counts)."""
    by_id = {u.id: u for u in staff.values()}
    active_managers = [u for u in staff.values() if u.role == "manager" and u.active]
    holders = [u for u in staff.values() if u.role == "record_holder" and u.active]
    out: dict[date, Counter[tuple[str, str, str]]] = {}
    reminded: dict[int, date] = {}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        got: Counter[tuple[str, str, str]] = Counter()
        out[day] = got
        if not working(day):
            continue
        live = [c for c in cases if c.closed_on is None and c.status not in ("closed", "released")
                and not c.responded]
        # requesters: reminder 14 days after the ask; closing 28 days after it, a week after the reminder at least
        for c in live:
            if c.ask is None:
                continue
            if c.i in reminded:
                if day >= max(c.ask + timedelta(days=28), reminded[c.i] + timedelta(days=7)):
                    c.closed_on = day
                    if c.email:
                        got[("requester_case_closed", c.email, f"We have closed your request: {c.reference}")] += 1
            elif day >= c.ask + timedelta(days=14):
                reminded[c.i] = day
                if c.email:
                    what = "the clarification we asked for" if c.paused else "proof of identity"
                    got[("requester_evidence_reminder", c.email,
                         f"Reminder: we are still waiting for {what}: {c.reference}")] += 1
        live = [c for c in live if c.closed_on is None]

        def extension_due(c: Case, day: date = day) -> bool:
            return (c.notice_by is not None and not c.extended and day <= c.notice_by
                    and wd_after(day, c.notice_by) <= 3)

        def overdue(c: Case, day: date = day) -> bool:
            return day > c.due

        def due_within(c: Case, window: int, day: date = day) -> bool:
            return day <= c.due and wd_after(day, c.due) <= window

        def flagged(c: Case, window: int) -> bool:
            return overdue(c) or due_within(c, window) or extension_due(c)

        # officers' digests (active officers and managers, their own assigned cases)
        for user in staff.values():
            if not user.active or user.role not in ("officer", "manager"):
                continue
            mine = [c for c in live if c.assignee == user.id]
            if any(flagged(c, 5) or (c.status in WAITING and not c.paused) for c in mine):
                subject = (f"Your rights requests today: {sum(map(overdue, mine))} overdue, "
                           f"{sum(due_within(c, 5) for c in mine)} due within 5 working days")
                got[("officer_digest", user.email, subject)] += 1
        # managers' digest
        if any(flagged(c, 2) for c in live):
            subject = (f"Rights requests needing attention: {sum(map(overdue, live))} overdue, "
                       f"{sum(due_within(c, 2) for c in live)} due within 2 working days")
            for m in active_managers:
                got[("manager_digest", m.email, subject)] += 1
        # record holders: 3rd working day after the search, then every 2nd; managers from the 2nd chase
        holder_mail: dict[int, set[str]] = {}
        manager_mail: dict[int, int] = {}
        for c in live:
            for service, finished, confirmed in c.tasks:
                if confirmed:
                    continue
                n = wd_after(finished, day)
                if n < 3 or (n - 3) % 2:
                    continue
                number = (n - 3) // 2 + 1
                held = [h for h in holders if service in h.services]
                for h in held:
                    holder_mail.setdefault(h.id, set()).add(c.reference)
                if number >= 2 or not held:
                    own = [m for m in active_managers if service in m.services]
                    for m in own or active_managers:
                        manager_mail[m.id] = manager_mail.get(m.id, 0) + 1
        for uid, refs in holder_mail.items():
            needs = plural(len(refs), " rights request needs", " rights requests need")
            subject = f"Reminder: {needs} your service's records"
            got[("record_holder_reminder", by_id[uid].email, subject)] += 1
        for uid, n in manager_mail.items():
            subject = f"Searches not confirmed: {plural(n, ' task', ' tasks')} in your service"
            got[("record_holder_escalation", by_id[uid].email, subject)] += 1
    return out


def test_a_simulated_month_sends_exactly_the_expected_messages(rt) -> None:
    cases = plan_cases()
    staff = build(rt, cases)
    with rt.db.transaction() as session:
        outbox_before = session.scalar(select(func.count()).select_from(OutboxMessage))
        statuses_before = dict(session.execute(select(RightsRequest.reference, RightsRequest.status)).all())
    queued_before = rt.queue.queue.count

    days = run_days(rt.db, rt.settings, START, DAYS)

    want = expected(cases, staff)
    assert [d.day for d in days] == sorted(want)
    totals: Counter[str] = Counter()
    for d in days:
        got = Counter((m.template, m.to, m.subject) for m in d.messages)
        assert got == want[d.day], f"{d.day}: got {sorted(got.items())}, want {sorted(want[d.day].items())}"
        totals.update(m.template for m in d.messages)
    # the month is not trivial: every kind of message occurs, and cases were closed
    for kind in ("requester_evidence_reminder", "requester_case_closed", "officer_digest", "manager_digest",
                 "record_holder_reminder", "record_holder_escalation"):
        assert totals[kind] > 0, kind
    assert sum(1 for c in cases if c.closed_on) > 5
    print("simulated month:", dict(totals), "total", sum(totals.values()),
          "closed", sum(1 for c in cases if c.closed_on))
    # nothing was kept or sent: the simulation rolled everything back and enqueued nothing
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
        assert dict(session.execute(select(RightsRequest.reference, RightsRequest.status)).all()) == statuses_before
    assert rt.queue.queue.count == queued_before
