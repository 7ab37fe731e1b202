"""Encryption at rest, password hashing and code hashing."""

from __future__ import annotations

import pytest

from rights.security import (
    Cipher,
    EncryptedStore,
    generate_key,
    hash_code,
    hash_password,
    verify_password,
)


def test_store_keeps_nothing_in_the_clear(tmp_path) -> None:
    store = EncryptedStore(tmp_path, Cipher([generate_key()]))
    secret = b"Foster carer: 12 Acacia Road, SY1 1AA"
    key = store.put(secret)
    assert store.get(key) == secret
    assert secret not in store.raw(key)
    assert b"Acacia" not in b"".join(p.read_bytes() for p in tmp_path.rglob("*.bin"))


def test_rotation_old_key_still_decrypts_new_key_encrypts(tmp_path) -> None:
    old, new = generate_key(), generate_key()
    token = Cipher([old]).encrypt(b"x")
    rotated = Cipher([new, old])
    assert rotated.decrypt(token) == b"x"
    assert Cipher([new]).decrypt(rotated.rotate(token)) == b"x"
    with pytest.raises(ValueError, match="unknown key"):
        Cipher([new]).decrypt(token)


def test_store_rejects_path_tricks(tmp_path) -> None:
    store = EncryptedStore(tmp_path, Cipher([generate_key()]))
    with pytest.raises(ValueError, match="invalid storage key"):
        store.get("../../etc/passwd")


def test_argon2_passwords() -> None:
    h = hash_password("correct horse battery staple")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "correct horse battery staple")
    assert not verify_password(h, "wrong")
    assert not verify_password("not a hash", "wrong")


def test_code_hash_is_keyed() -> None:
    assert hash_code("k1", "123456") != hash_code("k2", "123456")
    assert hash_code("k1", "123456") == hash_code("k1", "123456")
