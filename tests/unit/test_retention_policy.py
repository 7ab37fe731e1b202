"""The retention rules (rights.retention.policy), table-driven: what goes when, and what never goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rights.retention.policy import CaseFacts, Rules, case_due, copy_due, id_document_due

NOW = datetime(2028, 6, 1, 3, 0, tzinfo=UTC)
RULES = Rules(closed_days=730, id_days=7)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.mark.parametrize(("facts", "due"), [
    (CaseFacts("closed", ago(731), held=False), True),
    (CaseFacts("closed", ago(730), held=False), True),  # exactly two years: due
    (CaseFacts("closed", ago(729), held=False), False),
    (CaseFacts("withdrawn", ago(900), held=False), True),
    (CaseFacts("refused", ago(900), held=False), True),
    (CaseFacts("released", ago(900), held=False), True),
    (CaseFacts("closed", ago(900), held=True), False),  # a legal hold keeps everything
    (CaseFacts("review", ago(900), held=False), False),  # never an open case, whatever a stale date says
    (CaseFacts("searching", None, held=False), False),
    (CaseFacts("closed", None, held=False), False),  # closed but no known closure: kept, never guessed
])
def test_closed_cases_go_after_their_period(facts: CaseFacts, due: bool) -> None:
    assert case_due(facts, RULES, NOW) is due


def test_the_period_is_a_setting() -> None:
    facts = CaseFacts("closed", ago(400), held=False)
    assert not case_due(facts, RULES, NOW)
    assert case_due(facts, Rules(closed_days=365), NOW)


@pytest.mark.parametrize(("facts", "due"), [
    (CaseFacts("review", None, held=False, id_verified_at=ago(8)), True),  # verified a week ago: goes
    (CaseFacts("review", None, held=False, id_verified_at=ago(6)), False),  # the grace to question it
    (CaseFacts("awaiting_id", None, held=False), False),  # not yet verified, case open: still needed
    (CaseFacts("withdrawn", ago(8), held=False), True),  # never verified, closed a week ago
    (CaseFacts("withdrawn", ago(3), held=False), False),
    (CaseFacts("review", None, held=True, id_verified_at=ago(100)), False),  # held: kept
])
def test_proof_of_identity_goes_once_verified(facts: CaseFacts, due: bool) -> None:
    assert id_document_due(facts, RULES, NOW) is due


@pytest.mark.parametrize(("facts", "keep_days", "due"), [
    (CaseFacts("released", ago(15), held=False), 14, True),  # CCTV: 14 days after the case closed
    (CaseFacts("released", ago(13), held=False), 14, False),
    (CaseFacts("review", None, held=False), 14, False),  # the open request still needs the clip
    (CaseFacts("closed", ago(100), held=False), None, False),  # an ordinary record follows the case
    (CaseFacts("closed", ago(100), held=True), 14, False),
])
def test_copies_follow_their_sources_own_retention_once_closed(facts: CaseFacts, keep_days: int | None,
                                                               due: bool) -> None:
    assert copy_due(facts, keep_days, NOW) is due
