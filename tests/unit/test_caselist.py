"""Case-list rules that need no database: due windows as date bounds, cursors, the reminder plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rights import caselist, clock
from rights.caselist import Cursor, DueWindow

BAND = {"red": DueWindow.OVERDUE, "amber": DueWindow.WITHIN_5, "green": DueWindow.WITHIN_10,
        "none": DueWindow.LATER}


@pytest.mark.parametrize("today", [
    date(2026, 3, 16),  # Monday
    date(2026, 3, 20),  # Friday
    date(2026, 3, 28),  # Saturday, Easter ahead (Good Friday 3 Apr, Easter Monday 6 Apr)
    date(2026, 4, 2),  # the day before Good Friday
    date(2025, 12, 19),  # Christmas and Boxing Day ahead, then the weekend
    date(2026, 12, 24),  # substitute Boxing Day (Mon 28 Dec 2026)
])
def test_due_windows_are_exactly_the_marker_bands(today: date) -> None:
    """For every due date from 40 days before to 40 after, the window bounds agree with rag()."""
    for offset in range(-40, 41):
        due = today + timedelta(days=offset)
        band = BAND[clock.rag(clock.working_days_left(due, today))]
        inside = []
        for window in DueWindow:
            low, high = caselist.due_bounds(window, today)
            if (low is None or due >= low) and (high is None or due < high):
                inside.append(window)
        assert inside == [band], (today, due)


@pytest.mark.parametrize(("today", "n", "expected"), [
    (date(2026, 3, 16), 1, date(2026, 3, 17)),
    (date(2026, 3, 20), 1, date(2026, 3, 23)),  # Friday -> Monday
    (date(2026, 4, 2), 1, date(2026, 4, 7)),  # over Good Friday, the weekend and Easter Monday
    (date(2026, 3, 16), 6, date(2026, 3, 24)),
])
def test_nth_working_day_after(today: date, n: int, expected: date) -> None:
    assert caselist.nth_working_day_after(today, n) == expected


@pytest.mark.parametrize(("raw", "cursor"), [
    ("2026-03-16.42", Cursor(date(2026, 3, 16), 42)),
    ("-.7", Cursor(None, 7)),
    ("", None),
    (None, None),
    ("2026-02-30.1", None),  # no such date
    ("2026-03-16", None),
    ("2026-03-16.x", None),
    ("'; drop table requests; --", None),
])
def test_cursor_decoding(raw: str | None, cursor: Cursor | None) -> None:
    assert Cursor.decode(raw) == cursor
    if cursor is not None:
        assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(("q", "by_reference"), [
    ("SAR-2026-00042", True), ("00042", True), ("amelia hart", False), ("O'Neill", False),
])
def test_search_kind(q: str, by_reference: bool) -> None:
    assert caselist.is_reference_search(q) is by_reference


def test_reminder_plan_one_list_per_holder_and_orphans_named() -> None:
    cases = [("SAR-1", ["send"]), ("SAR-2", ["send", "early_help"]), ("SAR-3", []), ("SAR-4", ["youth_justice"])]
    holders = [(1, ["send"]), (2, ["early_help", "childrens_social_care"]), (3, ["send"])]
    plan, orphans = caselist.reminder_plan(cases, holders)
    assert plan == {1: ["SAR-1", "SAR-2"], 2: ["SAR-2"], 3: ["SAR-1", "SAR-2"]}
    assert orphans == ["SAR-3", "SAR-4"]


def test_marker_for_closed_cases_is_none() -> None:
    assert caselist.marker_for(None) == "none"
    assert caselist.marker_for(-1) == "red"
    assert caselist.marker_for(0) == "amber"


@pytest.mark.parametrize("today", [date(2026, 3, 16), date(2026, 4, 4), date(2026, 12, 27), date(2025, 1, 1)])
def test_working_days_left_many_agrees_with_the_clock(today: date) -> None:
    dues = [today + timedelta(days=n) for n in range(-400, 120, 3)] + [date(2019, 3, 1), today]
    fast = caselist.working_days_left_many(dues, today)
    assert fast == {due: clock.working_days_left(due, today) for due in dues}
    assert caselist.working_days_left_many([], today) == {}


def test_open_cases_index_predicate_matches_the_closed_stages() -> None:
    """The partial index only helps while its predicate and the list's "open" filter say the same."""
    from rights import models

    index = next(i for i in models.RightsRequest.__table__.indexes if i.name == "ix_requests_open_due")
    predicate = index.dialect_options["postgresql"]["where"]
    where = str(predicate.compile(compile_kwargs={"literal_binds": True})).removeprefix("(").removesuffix(")")
    assert where == "requests.status NOT IN ('closed', 'withdrawn', 'refused', 'released')"
    import importlib.util

    from rights import config

    spec = importlib.util.spec_from_file_location(
        "m0031", config.ROOT / "rights" / "migrations" / "versions" / "0031_caselist.py")
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert where == "requests." + migration.OPEN_PREDICATE
