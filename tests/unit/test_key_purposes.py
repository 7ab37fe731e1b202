"""One key per purpose (files, columns, tokens) derived from each configured key, and old data still readable."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken

from rights import config, security
from rights.security import (
    PURPOSES,
    TOKEN_PREFIX,
    Cipher,
    cipher_for,
    derive,
    generate_key,
    key_id,
    purpose_keys,
    store_for,
    token_keys,
)


def test_each_purpose_gets_its_own_key_and_none_is_the_configured_one() -> None:
    master = generate_key()
    derived = {p: derive(master, p) for p in PURPOSES}
    assert len(set(derived.values())) == len(PURPOSES)
    assert base64.urlsafe_b64decode(master) not in derived.values()
    assert derive(master, "files") == derive(master, "files")  # deterministic: every host derives the same
    assert derive(generate_key(), "files") != derived["files"]
    with pytest.raises(ValueError, match="purpose"):
        derive(master, "backups")


@pytest.mark.parametrize(("made_for", "opened_with"), [("files", "columns"), ("columns", "files")])
def test_a_token_made_for_one_purpose_never_opens_under_another(made_for: str, opened_with: str) -> None:
    keys = [generate_key()]
    token = Cipher(purpose_keys(keys, made_for)).encrypt(b"Amelia Hart")
    with pytest.raises(ValueError, match="unknown key"):
        Cipher(purpose_keys(keys, opened_with)).decrypt(token)  # no legacy fallback: purposes are apart
    assert cipher_for(keys, made_for).decrypt(token) == b"Amelia Hart"


def test_data_written_under_the_configured_key_itself_stays_readable_but_is_never_written() -> None:
    keys = [generate_key()]
    legacy = Fernet(keys[0].encode()).encrypt(b"written by an older release")
    columns = cipher_for(keys)
    assert columns.decrypt(legacy) == b"written by an older release"
    assert not columns.is_current(legacy)
    rotated = columns.rotate(legacy)
    assert columns.is_current(rotated)
    with pytest.raises(InvalidToken):
        Fernet(keys[0].encode()).decrypt(rotated)  # new writes are under the derived key, not the raw one


def test_is_current_names_the_newest_key_only() -> None:
    old, new = generate_key(), generate_key()
    under_old = cipher_for([old]).encrypt(b"x")
    both = cipher_for([new, old])
    assert both.decrypt(under_old) == b"x" and not both.is_current(under_old)
    assert both.is_current(both.encrypt(b"x"))
    assert both.encrypt(b"x").decode().startswith(TOKEN_PREFIX)


def test_files_use_the_files_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    keys = [generate_key()]
    store = store_for(tmp_path, keys)
    stored = store.raw(store.put(b"passport scan"))
    assert cipher_for(keys, "files").decrypt(stored) == b"passport scan"
    with pytest.raises(ValueError, match="unknown key"):
        Cipher(purpose_keys(keys, "columns")).decrypt(stored)


def test_token_keys_follow_the_configured_order_and_key_ids_are_not_secrets() -> None:
    old, new = generate_key(), generate_key()
    assert token_keys((new, old)) == (derive(new, "tokens"), derive(old, "tokens"))
    assert len(key_id(new, "columns")) == 12 and key_id(new, "columns") != key_id(old, "columns")
    assert key_id(new, "columns") not in new


@pytest.mark.parametrize("bad", ["abc", "not-base64!!", base64.urlsafe_b64encode(b"short").decode()])
def test_settings_refuse_a_key_that_is_not_a_fernet_key(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTS_ENCRYPTION_KEYS", f"{generate_key()},{bad}")
    with pytest.raises(config.ConfigError, match="key 2 is not a Fernet key"):
        config.load("test")


def test_the_cache_of_short_values_never_opens_a_token_the_current_keys_cannot() -> None:
    before = security._field_keys
    try:
        security.set_field_keys([generate_key()])
        token = security.field_cipher().encrypt(b"Amelia").decode()
        assert security.open_field(token) == "Amelia" and security.open_field(token) == "Amelia"  # cached
        security.set_field_keys([generate_key()])  # a process whose keys changed
        with pytest.raises(ValueError, match="unknown key"):
            security.open_field(token)
        long = security.field_cipher().encrypt(b"x" * 2000).decode()
        assert len(long) > security.SHORT_TOKEN and security.open_field(long) == "x" * 2000  # not cached
    finally:
        security._field_keys = before
