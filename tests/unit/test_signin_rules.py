"""The pure rules of signing in: how long each key waits, which keys an attempt counts against, what the
page says, and who may approve an account change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rights.permissions import approval_refusal
from rights.tokens import token_id
from rights.users import throttle
from rights.users.signin import wait_message

EMAIL, IP, ACCOUNT = throttle.RULES["email"], throttle.RULES["ip"], throttle.RULES["device"]


@pytest.mark.parametrize(("rule", "failures", "seconds"), [
    (EMAIL, 0, 0), (EMAIL, 4, 0), (EMAIL, 5, 2), (EMAIL, 6, 4), (EMAIL, 9, 32), (EMAIL, 10, 60),
    (EMAIL, 10_000, 60),  # never more than a minute: a slowdown, not a lock anyone can hold on an account
    (IP, 19, 0), (IP, 20, 2), (IP, 28, 512), (IP, 29, 900), (IP, 500, 900),
    (ACCOUNT, 5, 2), (ACCOUNT, 12, 60),
])
def test_the_delay_doubles_after_the_free_failures_up_to_its_cap(rule, failures, seconds) -> None:
    assert throttle.delay(rule, failures) == timedelta(seconds=seconds)


def test_every_kind_of_key_alerts_only_after_it_is_already_slowed() -> None:
    for kind, rule in throttle.RULES.items():
        assert rule.free < rule.alert_at, kind
        assert rule.cap <= timedelta(minutes=15), kind
    assert throttle.RULES["email"].cap == throttle.RULES["device"].cap == timedelta(minutes=1)


def test_an_attempt_counts_against_its_device_alone_or_the_address_and_the_email() -> None:
    trusted = throttle.keys_for("Officer@Council.example", "user:3", "198.51.100.7", "a" * 64)
    assert [k.kind for k in trusted] == ["device"]
    plain = throttle.keys_for("Officer@Council.example ", "user:3", "198.51.100.7", None)
    assert [k.kind for k in plain] == ["ip", "email"] and plain[0].key == "ip:198.51.100.7"
    # The email key is the same however it is typed, holds no typed text, and fits the column.
    assert plain[1] == throttle.keys_for("officer@council.example", "user:3", None, None)[0]
    assert "officer" not in plain[1].key and len(plain[1].key) <= 80
    assert [k.kind for k in throttle.keys_for("x@y.example", "unknown@y.example", None, None)] == ["email"]


@pytest.mark.parametrize(("wait", "words"), [
    (timedelta(seconds=1.2), "Wait 2 seconds"), (timedelta(seconds=60), "Wait 60 seconds"),
    (timedelta(minutes=15), "Wait 15 minutes"), (timedelta(seconds=0.01), "Wait 1 second and"),
])
def test_the_page_says_how_long_to_wait(wait, words) -> None:
    assert words in wait_message(wait)


@pytest.mark.parametrize(("approver", "asker", "account", "refused"), [
    ("user:2", "user:1", "user:9", None),
    ("user:1", "user:1", "user:9", "A different administrator"),
    ("user:9", "user:1", "user:9", "your own account"),
    ("user:2", "cli", "user:9", None),
])
def test_the_two_person_rule(approver, asker, account, refused) -> None:
    answer = approval_refusal(approver, asker, account)
    assert (answer is None) if refused is None else (refused in answer)


def test_a_token_is_stored_only_as_its_hash() -> None:
    assert token_id("abc") == token_id("abc") != token_id("abd")
    assert len(token_id("abc")) == 64 and "abc" not in token_id("abc")
