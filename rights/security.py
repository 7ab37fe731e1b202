"""Secrets at rest: passwords (argon2), encryption of files and secrets (Fernet with key rotation),
one-time codes and signed tokens.

Why MultiFernet: ``RIGHTS_ENCRYPTION_KEYS`` is a comma-separated list, newest first. New data is
encrypted with the first key; older keys still decrypt, so a council can rotate keys without a
flag day. (Re-encrypting old data under the newest key is not built yet: old keys must stay listed.)
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_key() -> str:
    return Fernet.generate_key().decode()


class Cipher:
    """Symmetric encryption with rotation; raises ValueError on tampered or foreign ciphertext."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError("ciphertext is corrupt or was made with an unknown key") from exc

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)


@functools.lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...]) -> Cipher:
    return Cipher(keys)


def cipher_for(keys: Sequence[str]) -> Cipher:
    """The process's one :class:`Cipher` for these keys: built on first use, then shared.

    Reached through :class:`rights.runtime.Runtime` (``rt.cipher``) by the web layer and the CLI; jobs,
    which receive only the settings, call this with the settings' keys and get the same object.
    """
    return _cipher(tuple(keys))


@functools.lru_cache(maxsize=8)
def _store(root: str, keys: tuple[str, ...]) -> EncryptedStore:
    return EncryptedStore(root, _cipher(keys))


def store_for(root: str | Path, keys: Sequence[str]) -> EncryptedStore:
    """The process's one encrypted file store for this directory and these keys (``rt.files``)."""
    return _store(str(root), tuple(keys))


_field_cipher: Cipher | None = None


def set_field_keys(keys: Sequence[str]) -> None:
    """Set the keys encrypted database columns use (called once per process by rights.runtime)."""
    global _field_cipher
    _field_cipher = cipher_for(keys)


def field_cipher() -> Cipher:
    if _field_cipher is None:
        raise RuntimeError("encrypted columns used before rights.runtime set the encryption keys")
    return _field_cipher


class EncryptedStore:
    """Files encrypted at rest under an opaque key; the database keeps names, types and hashes."""

    def __init__(self, root: str | Path, cipher: Cipher) -> None:
        self.root = Path(root)
        self.cipher = cipher

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("invalid storage key")
        return self.root / key[:2] / f"{key}.bin"

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(20)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(self.cipher.encrypt(data))
        tmp.replace(path)
        return key

    def get(self, key: str) -> bytes:
        return self.cipher.decrypt(self._path(key).read_bytes())

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def raw(self, key: str) -> bytes:
        """The bytes as stored on disk (tests use this to prove nothing is kept in the clear)."""
        return self._path(key).read_bytes()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def one_time_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def hash_code(secret_key: str, code: str) -> str:
    """Keyed hash for short codes stored in the database (a stolen table does not reveal them)."""
    return hmac.new(secret_key.encode(), code.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
