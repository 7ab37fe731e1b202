"""The ``clock`` command: JSON and text output for worked examples, timestamp conversion, usage errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from rights.cli.clock import clock_command


def run(*args: str) -> Any:
    return CliRunner().invoke(clock_command, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_clarification_example_extended_json() -> None:
    data = run_json(
        "--type",
        "access",
        "--received",
        "2026-03-02",
        "--pause",
        "2026-03-05:2026-03-12",
        "--extended",
        "--today",
        "2026-03-20",
    )
    assert data["received"] == "2026-03-02"
    assert data["relevant_time"] == "2026-03-02"
    assert data["original_due"] == "2026-04-10"
    assert data["extension_notice_by"] == "2026-04-10"
    assert data["due"] == "2026-06-10"
    assert data["paused_days"] == 8
    assert data["extended"] is True
    assert data["provisional"] is False
    assert data["acknowledge_by"] is None
    assert isinstance(data["working_days_left"], int)
    assert data["rag"] == "none"
    assert isinstance(data["explanation"], list)
    assert "Clarification asked 5 Mar and answered 12 Mar: 8 days do not count." in data["explanation"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--received", "2025-09-03"], {"due": "2025-10-03"}, id="ico-3-sep"),
        pytest.param(["--received", "2026-01-01"], {"due": "2026-02-02"}, id="1-jan-2026"),
        pytest.param(["--received", "2024-11-25"], {"due": "2024-12-27"}, id="christmas-2024"),
        pytest.param(["--received", "2028-01-31"], {"due": "2028-02-29"}, id="leap-year"),
        pytest.param(["--received", "2026-03-03"], {"due": "2026-04-07"}, id="easter-2026"),
        pytest.param(
            ["--received", "2026-01-31", "--extended"],
            {"due": "2026-04-30", "original_due": "2026-03-02", "extension_notice_by": "2026-03-02"},
            id="extended-31-jan",
        ),
        pytest.param(
            ["--received", "2026-03-02", "--id-received", "2026-03-20"],
            {"due": "2026-04-20", "relevant_time": "2026-03-20"},
            id="id-received",
        ),
        pytest.param(
            ["--received", "2026-03-02", "--id-received", "2026-03-20", "--extended"],
            {"due": "2026-06-22", "original_due": "2026-04-20"},
            id="id-received-extended",
        ),
        pytest.param(
            ["--received", "2026-03-02", "--authority-received", "2026-03-09", "--fee-paid", "2026-03-11"],
            {"relevant_time": "2026-03-11", "due": "2026-04-13"},
            id="authority-and-fee",
        ),
        pytest.param(
            ["--type", "complaint", "--received", "2026-06-19"],
            {"due": "2026-07-20", "acknowledge_by": "2026-07-20", "extension_notice_by": None},
            id="complaint",
        ),
        pytest.param(
            ["--type", "erasure", "--received", "2025-12-31"],
            {"due": "2026-02-02", "type": "erasure"},
            id="erasure",
        ),
    ],
)
def test_worked_examples_json(args: list[str], expected: dict[str, Any]) -> None:
    # A "today" after every example's receipt (the command refuses a today before receipt).
    data = run_json(*args, "--today", "2030-01-05")
    for key, value in expected.items():
        assert data[key] == value, key


def test_open_pause_is_provisional_and_counts_through_today() -> None:
    data = run_json("--received", "2026-03-02", "--pause", "2026-03-05:", "--today", "2026-03-12")
    assert data["provisional"] is True
    assert data["paused_days"] == 8
    assert data["due"] == "2026-04-10"
    assert data["working_days_left"] == 19  # Good Friday and Easter Monday excluded


def test_repeated_pauses_add_up() -> None:
    data = run_json(
        "--received",
        "2026-03-02",
        "--pause",
        "2026-03-05:2026-03-06",
        "--pause",
        "2026-03-16:2026-03-18",
        "--today",
        "2026-03-20",
    )
    assert data["paused_days"] == 5
    assert data["due"] == "2026-04-07"


def test_working_days_left_and_rag() -> None:
    assert run_json("--received", "2026-03-02", "--today", "2026-04-02")["working_days_left"] == 0
    late = run_json("--received", "2026-03-02", "--today", "2026-04-07")
    assert late["working_days_left"] == -1
    assert late["rag"] == "red"


@pytest.mark.parametrize(
    ("timestamp", "received"),
    [
        pytest.param("2026-06-30T23:30:00Z", "2026-07-01", id="utc-late-evening-is-next-london-day"),
        pytest.param("2026-07-01T00:30:00+01:00", "2026-07-01", id="bst-just-after-midnight"),
        pytest.param("2026-01-31T23:30:00+00:00", "2026-01-31", id="gmt"),
    ],
)
def test_received_at_is_converted_to_london_date(timestamp: str, received: str) -> None:
    assert run_json("--received-at", timestamp, "--today", "2026-07-01")["received"] == received


def test_text_output_ends_with_due_date() -> None:
    result = run(
        "--type",
        "access",
        "--received",
        "2026-03-02",
        "--pause",
        "2026-03-05:2026-03-12",
        "--today",
        "2026-03-20",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "Received Mon 2 Mar 2026."
    assert lines[-1] == "Due: Friday 10 April 2026"
    assert "Today is Friday 20 March 2026: 13 working days left." in lines


def test_text_output_for_provisional_and_overdue() -> None:
    result = run("--received", "2026-03-02", "--pause", "2026-03-05:", "--today", "2026-04-20")
    assert result.exit_code == 0, result.output
    assert "Provisional: this date will move." in result.output
    late = run("--received", "2026-03-02", "--today", "2026-04-09")
    assert "3 working days overdue (red)." in late.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--received", "2026-13-02"], "not a date", id="bad-date"),
        pytest.param(["--received", "02/03/2026"], "not a date", id="uk-style-date"),
        pytest.param(["--received-at", "yesterday"], "not an ISO 8601 timestamp", id="bad-timestamp"),
        pytest.param(["--received-at", "2026-07-01T00:30:00"], "no UTC offset", id="naive-timestamp"),
        pytest.param(
            ["--received", "2026-03-02", "--pause", "2026-03-12:2026-03-05"],
            "ends before it starts",
            id="pause-backwards",
        ),
        pytest.param(["--received", "2026-03-02", "--pause", "2026-03-12"], "START:END", id="pause-no-colon"),
        pytest.param(
            ["--received", "2026-03-02", "--pause", "2026-03-01:2026-03-05"],
            "before the request",
            id="pause-before-receipt",
        ),
        pytest.param(
            ["--received", "2026-03-02", "--id-received", "2026-03-01"],
            "before the request",
            id="id-before-receipt",
        ),
        pytest.param(
            [
                "--received",
                "2026-03-02",
                "--pause",
                "2026-03-05:2026-03-12",
                "--pause",
                "2026-03-10:2026-03-14",
            ],
            "overlap",
            id="overlapping-pauses",
        ),
        pytest.param(
            ["--type", "erasure", "--received", "2026-03-02", "--pause", "2026-03-05:2026-03-06"],
            "only access requests",
            id="pause-on-erasure",
        ),
        pytest.param(
            ["--received", "2026-01-05", "--pause", "2026-01-06:2026-01-07"],
            "cannot be paused",
            id="pause-before-duaa",
        ),
        pytest.param(
            ["--type", "complaint", "--received", "2026-07-01", "--extended"],
            "cannot be extended",
            id="ext-complaint",
        ),
        pytest.param([], "exactly one of --received and --received-at", id="no-received"),
        pytest.param(
            ["--received", "2026-07-01", "--received-at", "2026-07-01T09:00:00Z"],
            "exactly one of",
            id="both-received",
        ),
        pytest.param(["--type", "parking", "--received", "2026-07-01"], "--type", id="bad-type"),
    ],
)
def test_invalid_input_exits_2_with_message(args: list[str], message: str) -> None:
    result = run(*args, "--today", "2026-08-01")
    assert result.exit_code == 2
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1
    assert message in error_lines[0]


def test_complaint_text_keeps_acknowledgement_and_policy_note() -> None:
    result = run("--type", "complaint", "--received", "2026-06-01", "--today", "2026-06-02")
    assert result.exit_code == 0, result.output
    assert "council policy" in result.output
    assert (
        "Acknowledge by Wed 1 Jul 2026, then investigate and tell the complainant the outcome."
        in result.output
    )
    assert result.output.strip().splitlines()[-1] == "Due: Wednesday 1 July 2026"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--received", "2026-11-20", "--today", "2026-11-01"],
            "--today 2026-11-01 is before the request was received (2026-11-20)",
            id="today-before-receipt",
        ),
        pytest.param(
            ["--received", "2026-11-20", "--pause", "2026-11-23:2026-12-05", "--today", "2026-11-30"],
            "the clarification answered 2026-12-05 is after today (2026-11-30)",
            id="answer-in-the-future",
        ),
        pytest.param(
            ["--received", "2026-11-20", "--pause", "2026-12-01:2026-12-05", "--today", "2026-11-30"],
            "the clarification asked 2026-12-01 is after today (2026-11-30)",
            id="asked-in-the-future",
        ),
        pytest.param(
            ["--received", "2026-11-20", "--id-received", "2026-12-01", "--today", "2026-11-30"],
            "--id-received 2026-12-01 is after today (2026-11-30)",
            id="id-in-the-future",
        ),
    ],
)
def test_future_facts_are_refused_in_one_line(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: " + message)


def test_pause_begun_on_the_rolled_end_agrees_with_its_explanation() -> None:
    data = run_json(
        "--received", "2026-02-28", "--pause", "2026-03-30:2026-03-31", "--today", "2026-04-01"
    )
    assert data["due"] == "2026-04-01"
    assert "Clarification asked 30 Mar and answered 31 Mar: 2 days do not count." in data["explanation"]
