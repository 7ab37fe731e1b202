"""Table tests for the statutory clock (legal-rules.md section 1) and property tests for its invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rights.clock import (
    LONDON,
    ClockError,
    ClockInput,
    ClockResult,
    Pause,
    RequestKind,
    add_calendar_months,
    bank_holiday_name,
    compute,
    is_working_day,
    long_date,
    next_working_day,
    rag,
    received_date,
    short_date,
    working_days_left,
)

A = RequestKind.ACCESS
D = date


def access(received: date, *, today: date | None = None, **kwargs: Any) -> ClockResult:
    return compute(ClockInput(kind=A, received=received, **kwargs), today=today)


# --------------------------------------------------------------------------------------------------
# Every row of the worked-examples table in legal-rules.md section 1

WORKED_EXAMPLES = [
    pytest.param(ClockInput(A, D(2025, 9, 3)), D(2025, 10, 3), id="3-sep-2025-ico"),
    pytest.param(ClockInput(A, D(2026, 1, 1)), D(2026, 2, 2), id="1-jan-2026-bank-holiday-receipt"),
    pytest.param(ClockInput(A, D(2024, 11, 25)), D(2024, 12, 27), id="25-nov-2024-christmas-ico"),
    pytest.param(ClockInput(A, D(2026, 1, 31)), D(2026, 3, 2), id="31-jan-2026-clamp-then-saturday"),
    pytest.param(ClockInput(A, D(2028, 1, 31)), D(2028, 2, 29), id="31-jan-2028-leap-year"),
    pytest.param(ClockInput(A, D(2027, 4, 1)), D(2027, 5, 4), id="1-apr-2027-saturday-then-may-day"),
    pytest.param(ClockInput(A, D(2025, 5, 31)), D(2025, 6, 30), id="sat-31-may-2025"),
    pytest.param(ClockInput(A, D(2025, 12, 31)), D(2026, 2, 2), id="31-dec-2025"),
    pytest.param(ClockInput(A, D(2025, 11, 25)), D(2025, 12, 29), id="25-nov-2025-christmas"),
    pytest.param(ClockInput(A, D(2026, 3, 3)), D(2026, 4, 7), id="3-mar-2026-easter"),
    pytest.param(ClockInput(A, D(2026, 1, 31), extended=True), D(2026, 4, 30), id="31-jan-2026-extended"),
    pytest.param(
        ClockInput(A, D(2026, 3, 2), id_received=D(2026, 3, 20)), D(2026, 4, 20), id="id-received-20-mar"
    ),
    pytest.param(
        ClockInput(A, D(2026, 3, 2), pauses=(Pause(D(2026, 3, 5), D(2026, 3, 12)),)),
        D(2026, 4, 10),
        id="clarification-5-to-12-mar",
    ),
    pytest.param(ClockInput(RequestKind.COMPLAINT, D(2026, 6, 19)), D(2026, 7, 20), id="complaint-19-jun"),
]


@pytest.mark.parametrize(("inp", "due"), WORKED_EXAMPLES)
def test_worked_examples(inp: ClockInput, due: date) -> None:
    result = compute(inp)
    assert result.due == due
    assert is_working_day(result.due)
    assert result.explanation[-1].endswith(f"{short_date(due)}.") or result.kind is RequestKind.COMPLAINT


def test_extended_31_jan_2026_is_three_months_not_one_plus_two() -> None:
    result = access(D(2026, 1, 31), extended=True)
    assert result.due == D(2026, 4, 30)  # not 28 Apr (28 Feb + 2 months)
    assert result.original_due == D(2026, 3, 2)
    assert result.extension_notice_by == D(2026, 3, 2)
    assert result.extended is True


def test_clarification_example_extension_notice_also_by_10_april() -> None:
    result = access(D(2026, 3, 2), pauses=(Pause(D(2026, 3, 5), D(2026, 3, 12)),), extended=True)
    assert result.original_due == D(2026, 4, 10)
    assert result.extension_notice_by == D(2026, 4, 10)
    # three months from 2 Mar = 2 Jun, + 8 paused days = Wed 10 Jun 2026
    assert result.due == D(2026, 6, 10)
    assert result.paused_days == 8
    assert "Clarification asked 5 Mar and answered 12 Mar: 8 days do not count." in result.explanation


def test_clarification_example_explanation_reads_in_order() -> None:
    result = access(D(2026, 3, 2), pauses=(Pause(D(2026, 3, 5), D(2026, 3, 12)),))
    assert result.explanation[0] == "Received Mon 2 Mar 2026."
    assert "One month from Mon 2 Mar 2026 is Thu 2 Apr 2026." in result.explanation
    assert result.explanation[-1] == "Due: Fri 10 Apr 2026."
    assert result.paused_days == 8
    assert result.provisional is False
    assert result.relevant_time == D(2026, 3, 2)


def test_complaint_fields() -> None:
    result = compute(ClockInput(RequestKind.COMPLAINT, D(2026, 6, 19)))
    assert result.acknowledge_by == result.due == D(2026, 7, 20)
    assert result.extension_notice_by is None
    assert result.extended is False
    assert not any("policy" in line for line in result.explanation)


def test_complaint_before_s164a_commencement_gets_policy_target_and_note() -> None:
    result = compute(ClockInput(RequestKind.COMPLAINT, D(2026, 6, 18)))
    assert result.acknowledge_by == D(2026, 7, 20)  # 18 Jul 2026 is a Saturday
    assert any("s.164A" in line and "policy" in line for line in result.explanation)


def test_id_received_later_extended_is_three_months_from_relevant_time() -> None:
    result = access(D(2026, 3, 2), id_received=D(2026, 3, 20), extended=True)
    assert result.relevant_time == D(2026, 3, 20)
    assert result.due == D(2026, 6, 22)  # 20 Jun 2026 is a Saturday
    assert result.original_due == D(2026, 4, 20)
    assert result.extension_notice_by == D(2026, 4, 20)


def test_relevant_time_is_latest_of_id_authority_and_fee() -> None:
    result = access(
        D(2026, 3, 2),
        id_received=D(2026, 3, 10),
        authority_received=D(2026, 3, 16),
        fee_received=D(2026, 3, 12),
    )
    assert result.relevant_time == D(2026, 3, 16)
    assert result.due == D(2026, 4, 16)


def test_other_rights_use_the_same_month_and_can_be_extended() -> None:
    for kind in (
        RequestKind.RECTIFICATION,
        RequestKind.ERASURE,
        RequestKind.RESTRICTION,
        RequestKind.OBJECTION,
    ):
        result = compute(ClockInput(kind, D(2026, 3, 3), extended=True))
        assert result.original_due == D(2026, 4, 7)
        assert result.due == D(2026, 6, 3)
        assert result.extension_notice_by == D(2026, 4, 7)


def test_kind_given_as_plain_string_is_accepted() -> None:
    assert compute(ClockInput("erasure", D(2025, 9, 3))).kind is RequestKind.ERASURE  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Pauses


def test_several_pauses_add_up() -> None:
    pauses = (Pause(D(2026, 3, 5), D(2026, 3, 6)), Pause(D(2026, 3, 16), D(2026, 3, 18)))
    result = access(D(2026, 3, 2), pauses=pauses)
    assert result.paused_days == 5
    assert result.due == D(2026, 4, 7)  # 2 Apr + 5 = Tue 7 Apr (Good Friday/Easter Monday skipped anyway)


def test_pauses_given_out_of_order_or_as_list_are_sorted() -> None:
    later, earlier = Pause(D(2026, 3, 16), D(2026, 3, 18)), Pause(D(2026, 3, 5), D(2026, 3, 6))
    inp = ClockInput(A, D(2026, 3, 2), pauses=[later, earlier])  # type: ignore[arg-type]
    assert isinstance(inp.pauses, tuple)
    assert compute(inp).paused_days == 5


def test_pause_lands_on_bank_holiday_then_rolls() -> None:
    # 2 Mar + 1 month = Thu 2 Apr; + 1 paused day = Fri 3 Apr (Good Friday) -> Tue 7 Apr.
    result = access(D(2026, 3, 2), pauses=(Pause(D(2026, 3, 9), D(2026, 3, 9)),))
    assert result.due == D(2026, 4, 7)
    assert any("Good Friday" in line for line in result.explanation)


def test_open_pause_is_provisional_and_grows_with_today() -> None:
    inp = ClockInput(A, D(2026, 3, 2), pauses=(Pause(D(2026, 3, 5)),))
    first = compute(inp, today=D(2026, 3, 5))
    later = compute(inp, today=D(2026, 3, 12))
    assert first.provisional
    assert later.provisional
    assert first.paused_days == 1
    assert first.due == D(2026, 4, 7)  # 2 Apr + 1 = Fri 3 Apr is Good Friday, Mon 6 Apr Easter Monday
    assert later.paused_days == 8
    assert later.due == D(2026, 4, 10)
    assert later.due >= first.due


def test_open_pause_defaults_today_to_london_today() -> None:
    result = access(D(2026, 3, 2), pauses=(Pause(D(2026, 3, 5)),))
    today = datetime.now(LONDON).date()
    assert result.paused_days == (today - D(2026, 3, 5)).days + 1


def test_pause_before_id_arrived_counts_only_from_relevant_time() -> None:
    # Clarification 5-25 Mar, ID arrived 20 Mar: only 20-25 Mar (6 days) fall in the month.
    result = access(D(2026, 3, 2), id_received=D(2026, 3, 20), pauses=(Pause(D(2026, 3, 5), D(2026, 3, 25)),))
    assert result.paused_days == 6
    assert result.due == D(2026, 4, 27)  # 20 Apr + 6 = Sun 26 Apr -> Mon 27 Apr


def test_pause_wholly_before_relevant_time_has_no_effect() -> None:
    result = access(D(2026, 3, 2), id_received=D(2026, 3, 20), pauses=(Pause(D(2026, 3, 5), D(2026, 3, 12)),))
    assert result.paused_days == 0
    assert result.due == D(2026, 4, 20)
    assert any("before the clock started" in line for line in result.explanation)


def test_pause_after_first_month_moves_only_the_extended_date() -> None:
    result = access(D(2026, 3, 2), pauses=(Pause(D(2026, 4, 20), D(2026, 4, 24)),), extended=True)
    assert result.original_due == D(2026, 4, 2)
    assert result.extension_notice_by == D(2026, 4, 2)
    assert result.paused_days == 5
    assert result.due == D(2026, 6, 8)  # 2 Jun + 5 = Sun 7 Jun -> Mon 8 Jun


def test_id_requested_is_provisional() -> None:
    result = access(D(2026, 3, 2), id_requested=True)
    assert result.provisional
    assert result.due == D(2026, 4, 2)


# --------------------------------------------------------------------------------------------------
# Invalid input


ERRORS = [
    pytest.param(
        ClockInput(A, D(2026, 3, 2), pauses=(Pause(D(2026, 3, 12), D(2026, 3, 5)),)),
        "before it starts",
        id="pause-ends-first",
    ),
    pytest.param(
        ClockInput(A, D(2026, 3, 2), pauses=(Pause(D(2026, 3, 1), D(2026, 3, 5)),)),
        "before the request",
        id="pause-before-receipt",
    ),
    pytest.param(
        ClockInput(A, D(2026, 3, 2), id_received=D(2026, 3, 1)), "before the request", id="id-before-receipt"
    ),
    pytest.param(
        ClockInput(A, D(2026, 3, 2), authority_received=D(2026, 2, 1)),
        "before the request",
        id="authority-before-receipt",
    ),
    pytest.param(
        ClockInput(A, D(2026, 3, 2), fee_received=D(2026, 2, 28)),
        "before the request",
        id="fee-before-receipt",
    ),
    pytest.param(
        ClockInput(
            A,
            D(2026, 3, 2),
            pauses=(Pause(D(2026, 3, 5), D(2026, 3, 12)), Pause(D(2026, 3, 12), D(2026, 3, 14))),
        ),
        "overlap",
        id="pauses-share-a-day",
    ),
    pytest.param(
        ClockInput(A, D(2026, 3, 2), pauses=(Pause(D(2026, 3, 5)), Pause(D(2026, 3, 20), D(2026, 3, 21)))),
        "overlap",
        id="pause-after-open-pause",
    ),
    pytest.param(
        ClockInput(RequestKind.ERASURE, D(2026, 3, 2), pauses=(Pause(D(2026, 3, 5), D(2026, 3, 6)),)),
        "only access requests",
        id="pause-on-erasure",
    ),
    pytest.param(
        ClockInput(RequestKind.COMPLAINT, D(2026, 7, 2), pauses=(Pause(D(2026, 7, 5), D(2026, 7, 6)),)),
        "only access requests",
        id="pause-on-complaint",
    ),
    pytest.param(
        ClockInput(A, D(2026, 2, 4), pauses=(Pause(D(2026, 2, 10), D(2026, 2, 11)),)),
        "received before",
        id="pause-before-duaa-commencement",
    ),
    pytest.param(
        ClockInput(RequestKind.COMPLAINT, D(2026, 7, 1), extended=True),
        "cannot be extended",
        id="extended-complaint",
    ),
    pytest.param(
        ClockInput(RequestKind.COMPLAINT, D(2026, 7, 1), id_received=D(2026, 7, 2)),
        "does not apply",
        id="id-on-complaint",
    ),
    pytest.param(ClockInput("parking", D(2026, 7, 1)), "unknown request type", id="unknown-kind"),  # type: ignore[arg-type]
    pytest.param(
        ClockInput(A, datetime(2026, 7, 1, 9, tzinfo=UTC)),
        "must be a date",
        id="timestamp-not-date",  # type: ignore[arg-type]
    ),
]


@pytest.mark.parametrize(("inp", "message"), ERRORS)
def test_clock_errors(inp: ClockInput, message: str) -> None:
    with pytest.raises(ClockError, match=message):
        compute(inp, today=D(2026, 8, 1))


def test_open_pause_starting_after_today_is_an_error() -> None:
    with pytest.raises(ClockError, match="after today"):
        access(D(2026, 3, 2), pauses=(Pause(D(2026, 3, 10)),), today=D(2026, 3, 9))


def test_pause_from_5_feb_2026_is_allowed() -> None:
    result = access(D(2026, 2, 5), pauses=(Pause(D(2026, 2, 10), D(2026, 2, 11)),))
    assert result.paused_days == 2


def test_clock_error_is_a_value_error() -> None:
    assert issubclass(ClockError, ValueError)


# --------------------------------------------------------------------------------------------------
# Building blocks


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        pytest.param(datetime(2026, 7, 1, 0, 30, tzinfo=LONDON), D(2026, 7, 1), id="00:30-bst-1-july"),
        pytest.param(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), D(2026, 7, 1), id="23:30z-30-june-is-1-july"),
        pytest.param(datetime(2026, 1, 31, 23, 30, tzinfo=UTC), D(2026, 1, 31), id="gmt-winter-same-day"),
        pytest.param(datetime(2026, 3, 28, 23, 59, tzinfo=UTC), D(2026, 3, 28), id="before-bst-starts"),
        pytest.param(datetime(2026, 3, 29, 23, 30, tzinfo=UTC), D(2026, 3, 30), id="first-bst-night"),
        pytest.param(datetime(2026, 10, 24, 23, 30, tzinfo=UTC), D(2026, 10, 25), id="last-bst-night"),
        pytest.param(datetime(2026, 10, 25, 23, 30, tzinfo=UTC), D(2026, 10, 25), id="back-to-gmt"),
        pytest.param(
            datetime(2026, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))), D(2026, 7, 1), id="cest-offset"
        ),
        pytest.param(
            datetime(2026, 6, 30, 19, 0, tzinfo=timezone(timedelta(hours=-5))),
            D(2026, 7, 1),
            id="new-york-evening",
        ),
    ],
)
def test_received_date(ts: datetime, expected: date) -> None:
    assert received_date(ts) == expected


def test_received_date_rejects_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        received_date(datetime(2026, 7, 1, 0, 30))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 12, 28), False),  # substitute Boxing Day (26 Dec 2026 is a Saturday)
        (D(2027, 12, 27), False),  # substitute Christmas Day
        (D(2027, 12, 28), False),  # substitute Boxing Day
        (D(2028, 1, 3), False),  # substitute New Year's Day
        (D(2026, 12, 29), True),
        (D(2026, 4, 3), False),  # Good Friday
        (D(2026, 4, 6), False),  # Easter Monday
        (D(2026, 8, 31), False),  # summer bank holiday (England & Wales, not Scotland's 3 Aug)
        (D(2026, 8, 3), True),
        (D(2026, 3, 17), True),  # St Patrick's Day is Northern Ireland only
        (D(2026, 11, 30), True),  # St Andrew's Day is Scotland only
        (D(2026, 3, 7), False),  # Saturday
        (D(2026, 3, 8), False),  # Sunday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_substitute_days_are_named() -> None:
    assert bank_holiday_name(D(2026, 12, 28)) is not None
    assert bank_holiday_name(D(2026, 12, 29)) is None


def test_substitute_boxing_day_moves_a_deadline() -> None:
    # Received Sat 28 Nov 2026: 28 Dec 2026 is the substitute Boxing Day -> Tue 29 Dec.
    assert access(D(2026, 11, 28)).due == D(2026, 12, 29)
    # Received Sat 27 Nov 2027: Mon 27 and Tue 28 Dec 2027 are substitute days -> Wed 29 Dec.
    assert access(D(2027, 11, 27)).due == D(2027, 12, 29)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 4, 2), D(2026, 4, 2)),
        (D(2026, 4, 3), D(2026, 4, 7)),
        (D(2027, 12, 24), D(2027, 12, 24)),
        (D(2027, 12, 25), D(2027, 12, 29)),
        (D(2027, 12, 31), D(2027, 12, 31)),
        (D(2028, 1, 1), D(2028, 1, 4)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 1, 31), 3, D(2026, 4, 30)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2025, 12, 31), 1, D(2026, 1, 31)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 1, 15), -1, D(2025, 12, 15)),
    ],
)
def test_add_calendar_months(day: date, months: int, expected: date) -> None:
    assert add_calendar_months(day, months) == expected


@pytest.mark.parametrize(
    ("due", "today", "left"),
    [
        pytest.param(D(2026, 4, 10), D(2026, 4, 10), 0, id="due-today"),
        pytest.param(D(2026, 4, 10), D(2026, 4, 9), 1, id="due-tomorrow"),
        pytest.param(D(2026, 4, 7), D(2026, 4, 2), 1, id="easter-between"),
        pytest.param(D(2026, 4, 13), D(2026, 4, 10), 1, id="over-weekend"),
        pytest.param(D(2026, 4, 10), D(2026, 4, 11), -1, id="overdue-saturday-still-minus-one"),
        pytest.param(D(2026, 4, 10), D(2026, 4, 13), -1, id="overdue-one-working-day"),
        pytest.param(D(2026, 4, 10), D(2026, 4, 17), -5, id="overdue-a-week"),
        pytest.param(D(2026, 3, 2), D(2026, 2, 2), 20, id="four-weeks"),
    ],
)
def test_working_days_left(due: date, today: date, left: int) -> None:
    assert working_days_left(due, today) == left


@pytest.mark.parametrize(
    ("left", "marker"),
    [
        (-10, "red"),
        (-1, "red"),
        (0, "amber"),
        (1, "amber"),
        (5, "amber"),
        (6, "green"),
        (10, "green"),
        (11, "none"),
        (40, "none"),
    ],
)
def test_rag(left: int, marker: str) -> None:
    assert rag(left) == marker


def test_date_formats_are_locale_independent() -> None:
    assert short_date(D(2026, 4, 10)) == "Fri 10 Apr 2026"
    assert long_date(D(2026, 4, 10)) == "Friday 10 April 2026"


# --------------------------------------------------------------------------------------------------
# Properties

PROPERTY = settings(max_examples=200, deadline=None)
received_dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31))
pausable_dates = st.dates(min_value=D(2026, 2, 5), max_value=D(2030, 12, 31))
kinds = st.sampled_from([k for k in RequestKind if k is not RequestKind.COMPLAINT])


@st.composite
def requests(draw: st.DrawFn) -> ClockInput:
    kind = draw(kinds)
    received = draw(received_dates)
    id_received = draw(st.none() | st.integers(0, 40).map(lambda n: received + timedelta(days=n)))
    pauses: tuple[Pause, ...] = ()
    if kind is RequestKind.ACCESS and received >= D(2026, 2, 5):
        start = id_received or received
        gaps = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 8)), max_size=3))
        built = []
        for gap, length in gaps:
            start += timedelta(days=gap)
            built.append(Pause(start, start + timedelta(days=length)))
            start += timedelta(days=length + 1)
        pauses = tuple(built)
    return ClockInput(kind, received, id_received=id_received, pauses=pauses, extended=draw(st.booleans()))


@PROPERTY
@given(requests())
def test_due_is_always_a_working_day_and_not_before_one_month(inp: ClockInput) -> None:
    result = compute(inp)
    assert is_working_day(result.due)
    assert is_working_day(result.original_due)
    assert result.due >= add_calendar_months(result.relevant_time, 1)
    assert result.original_due >= add_calendar_months(result.relevant_time, 1)
    assert result.due >= result.original_due
    assert result.extension_notice_by == result.original_due
    # Within a week of the (shifted) end date: rolling never jumps further than Christmas plus a weekend.
    assert result.due - add_calendar_months(result.relevant_time, 3 if inp.extended else 1) <= timedelta(
        days=result.paused_days + 5
    )


@PROPERTY
@given(received_dates)
def test_extended_due_is_never_before_original(received: date) -> None:
    plain = compute(ClockInput(A, received))
    extended = compute(ClockInput(A, received, extended=True))
    assert extended.original_due == plain.due
    assert extended.due > plain.due
    assert extended.due == next_working_day(add_calendar_months(received, 3))


@PROPERTY
@given(received_dates, kinds)
def test_unpaused_due_is_one_month_rolled(received: date, kind: RequestKind) -> None:
    result = compute(ClockInput(kind, received))
    assert result.due == next_working_day(add_calendar_months(received, 1))
    assert result.paused_days == 0
    assert not result.provisional


@PROPERTY
@given(pausable_dates, st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6)), min_size=1, max_size=3))
def test_paused_days_are_summed_and_one_more_day_never_makes_due_earlier(
    received: date, shape: list[tuple[int, int]]
) -> None:
    # Pauses packed into the first three weeks always fall inside the month.
    start = received
    pauses: list[Pause] = []
    for gap, length in shape:
        start += timedelta(days=gap)
        pauses.append(Pause(start, start + timedelta(days=length)))
        start += timedelta(days=length + 1)
    total = sum((p.end - p.start).days + 1 for p in pauses if p.end is not None)

    result = compute(ClockInput(A, received, pauses=tuple(pauses)))
    assert result.paused_days == total
    assert result.due == next_working_day(add_calendar_months(received, 1) + timedelta(days=total))

    last = pauses[-1]
    longer = (*pauses[:-1], Pause(last.start, last.end + timedelta(days=1)))  # type: ignore[operator]
    result_longer = compute(ClockInput(A, received, pauses=longer))
    assert result_longer.paused_days == total + 1
    assert result_longer.due >= result.due


@PROPERTY
@given(pausable_dates, st.integers(0, 25), st.integers(0, 60))
def test_open_pause_due_grows_with_today(received: date, offset: int, waited: int) -> None:
    start = received + timedelta(days=offset)
    inp = ClockInput(A, received, pauses=(Pause(start),))
    today = start + timedelta(days=waited)
    now = compute(inp, today=today)
    tomorrow = compute(inp, today=today + timedelta(days=1))
    assert now.provisional
    assert now.paused_days == waited + 1
    assert tomorrow.due >= now.due
    assert tomorrow.paused_days == now.paused_days + 1


@PROPERTY
@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)))
def test_complaint_acknowledgement(received: date) -> None:
    result = compute(ClockInput(RequestKind.COMPLAINT, received))
    assert result.acknowledge_by == result.due == next_working_day(received + timedelta(days=30))
    assert is_working_day(result.due)


@PROPERTY
@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)), st.integers(0, 60))
def test_working_days_left_is_consistent(due: date, days: int) -> None:
    today = due - timedelta(days=days)
    left = working_days_left(due, today)
    assert left >= 0
    assert (left == 0) == (not any(is_working_day(today + timedelta(days=i)) for i in range(1, days + 1)))
    if days:
        assert working_days_left(due, due + timedelta(days=days)) < 0


def test_open_pause_in_the_future_is_an_error_with_default_today() -> None:
    future = datetime.now(LONDON).date() + timedelta(days=3)
    with pytest.raises(ClockError, match="after today"):
        access(D(2026, 3, 2), pauses=(Pause(future),))


@given(st.dates(date(2020, 1, 1), date(2032, 12, 31)), st.integers(-400, 400))
@settings(max_examples=300, deadline=None)
def test_working_days_left_matches_a_walk_over_the_calendar(today: date, offset: int) -> None:
    """The arithmetic count agrees with counting working days one by one."""
    from datetime import timedelta

    due = today + timedelta(days=offset)
    lo, hi = sorted((today, due))
    walked = sum(1 for i in range(1, (hi - lo).days + 1) if is_working_day(lo + timedelta(days=i)))
    expected = walked if today <= due else -max(1, walked)
    assert working_days_left(due, today) == expected


# --------------------------------------------------------------------------------------------------
# A pause begun in the roll: the due date never falls on a day the explanation excludes


def test_pause_begun_on_the_rolled_end_moves_the_date_past_the_answer() -> None:
    # 28 Feb 2026 + 1 month = Sat 28 Mar, rolled to Mon 30 Mar; asked 30 Mar, answered 31 Mar.
    result = compute(ClockInput(A, D(2026, 2, 28), pauses=(Pause(D(2026, 3, 30), D(2026, 3, 31)),)))
    assert result.due == D(2026, 4, 1)
    assert result.paused_days == 2
    assert "Clarification asked 30 Mar and answered 31 Mar: 2 days do not count." in result.explanation
    assert any("runs to the day after the answer, Wed 1 Apr 2026" in line for line in result.explanation)


def test_pause_begun_on_the_weekend_of_the_roll_counts_its_days_once() -> None:
    # Asked Sun 29 Mar, answered Mon 30 Mar: the first working day after the answer is Tue 31 Mar.
    result = compute(ClockInput(A, D(2026, 2, 28), pauses=(Pause(D(2026, 3, 29), D(2026, 3, 30)),)))
    assert result.due == D(2026, 3, 31)
    assert result.paused_days == 2


def test_pause_begun_after_the_rolled_end_has_no_effect() -> None:
    result = compute(ClockInput(A, D(2026, 2, 28), pauses=(Pause(D(2026, 3, 31), D(2026, 4, 2)),)))
    assert result.due == D(2026, 3, 30)
    assert result.paused_days == 0
    assert any("after the period had ended: no effect" in line for line in result.explanation)


@st.composite
def pauses_near_the_end(draw: st.DrawFn) -> ClockInput:
    """Access requests with a pause starting within a few days either side of the one-month date."""
    received = draw(pausable_dates)
    extended = draw(st.booleans())
    base = add_calendar_months(received, 3 if extended else 1)
    built: list[Pause] = []
    start = max(received, base + timedelta(days=draw(st.integers(-6, 4))))
    for _ in range(draw(st.integers(1, 2))):
        length = draw(st.integers(0, 5))
        built.append(Pause(start, start + timedelta(days=length)))
        start += timedelta(days=length + 1 + draw(st.integers(0, 3)))
    return ClockInput(A, received, pauses=tuple(built), extended=extended)


@PROPERTY
@given(st.one_of(requests(), pauses_near_the_end()))
def test_due_never_falls_on_a_day_the_explanation_excludes(inp: ClockInput) -> None:
    result = compute(inp)
    for pause in inp.pauses:
        assert pause.end is not None
        assert not (pause.start <= result.due <= pause.end and pause.end >= result.relevant_time), (
            result.explanation
        )
        assert not (pause.start <= result.original_due <= pause.end and pause.end >= result.relevant_time)
    assert is_working_day(result.due)
