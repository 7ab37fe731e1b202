"""Secrets at rest: passwords (argon2), encryption of files and columns (Fernet with key rotation),
keyed digests for one-time codes and for the search indexes of encrypted names.

Why MultiFernet: ``RIGHTS_ENCRYPTION_KEYS`` is a comma-separated list, newest first. New data is
encrypted with the first key; older keys still decrypt, so a council can rotate keys without a flag day,
and ``rights keys rotate`` (:mod:`rights.keys`) re-encrypts old data under the newest so an old key can go.

Why one key per purpose: each configured key is the root of three keys derived with HKDF-SHA256 and a
purpose label (:data:`PURPOSES`): ``files`` (the encrypted file store), ``columns`` (encrypted database
columns) and ``tokens`` (keyed digests: the blind indexes that let officers search encrypted names and
find duplicates). A ciphertext made for one purpose never opens under another's key, a digest never
reveals an encryption key, and one environment variable still configures everything (the demo needs
none). Data written before purpose keys existed was encrypted under the configured key itself: each
purpose's cipher still *decrypts* with the configured keys as a last resort (never encrypts), so that
data stays readable until ``rights keys rotate`` has moved it under the derived keys.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


#: What each derived key is for. The label is part of the derivation, so the three never coincide.
#: ``audit`` keys the audit trail's HMAC chain; it is derived from ``RIGHTS_AUDIT_KEYS``, a separate root, so
#: retiring an encryption key never leaves older audit entries unverifiable (see :mod:`rights.audit`).
PURPOSES = ("files", "columns", "tokens", "audit")
#: The first characters of every Fernet token (version byte 0x80 and a timestamp below 2**40 seconds):
#: how an encrypted column tells its ciphertext from a value written before the column was encrypted.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - not a secret: the fixed start of every token


def check_key(key: str) -> None:
    """Raise ValueError unless ``key`` is a Fernet key (32 bytes, URL-safe base64), as ``rights keygen`` makes."""
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("not URL-safe base64") from exc
    if len(raw) != 32:
        raise ValueError("not 32 bytes")


@functools.lru_cache(maxsize=64)
def derive(key: str, purpose: str) -> bytes:
    """The 32-byte key for ``purpose`` derived from one configured key (HKDF-SHA256, purpose as ``info``)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    check_key(key)
    return HKDF(algorithm=SHA256(), length=32, salt=None,
                info=f"rights-desk/{purpose}/v1".encode()).derive(base64.urlsafe_b64decode(key.encode()))


def purpose_keys(keys: Sequence[str], purpose: str) -> list[str]:
    """The Fernet keys for ``purpose``, newest first, derived from the configured keys."""
    return [base64.urlsafe_b64encode(derive(k, purpose)).decode() for k in keys]


def key_id(key: str, purpose: str) -> str:
    """A short, non-secret name for a configured key (a digest of its derived key): rotation records it."""
    return hashlib.sha256(derive(key, purpose)).hexdigest()[:12]


class Cipher:
    """Symmetric encryption with rotation; raises ValueError on tampered or foreign ciphertext.

    ``keys`` encrypt (the first) and decrypt; ``legacy`` keys only decrypt (what older releases wrote).
    """

    def __init__(self, keys: Sequence[str], legacy: Sequence[str] = ()) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._newest = Fernet(keys[0].encode() if isinstance(keys[0], str) else keys[0])
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in [*keys, *legacy]])

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError("ciphertext is corrupt or was made with an unknown key") from exc

    def rotate(self, token: bytes) -> bytes:
        """The same plaintext encrypted under the newest key (raises ValueError if no key opens it)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise ValueError("ciphertext is corrupt or was made with an unknown key") from exc

    def is_current(self, token: bytes) -> bool:
        """Whether the newest key alone opens ``token`` (rotation skips it: re-running rotates nothing twice)."""
        try:
            self._newest.decrypt(token)
        except InvalidToken:
            return False
        return True


@functools.lru_cache(maxsize=16)
def _cipher(keys: tuple[str, ...], purpose: str) -> Cipher:
    return Cipher(purpose_keys(keys, purpose), legacy=keys)


def cipher_for(keys: Sequence[str], purpose: str = "columns") -> Cipher:
    """The process's one :class:`Cipher` for these keys and this purpose: built on first use, then shared.

    ``columns`` (the default) is for values kept in the database (``rt.cipher``); the file store uses
    ``files`` (:func:`store_for`). Jobs, which receive only the settings, call this with the settings' keys
    and get the same object.
    """
    return _cipher(tuple(keys), purpose)


@functools.lru_cache(maxsize=8)
def _store(root: str, keys: tuple[str, ...]) -> EncryptedStore:
    return EncryptedStore(root, _cipher(keys, "files"))


def store_for(root: str | Path, keys: Sequence[str]) -> EncryptedStore:
    """The process's one encrypted file store for this directory and these keys (``rt.files``)."""
    return _store(str(root), tuple(keys))


@functools.lru_cache(maxsize=8)
def token_keys(keys: tuple[str, ...]) -> tuple[bytes, ...]:
    """The keys of keyed digests (blind indexes), newest first: a lookup tries each, so a search still
    finds rows indexed under an older key while ``rights keys rotate`` has not yet re-indexed them."""
    return tuple(derive(k, "tokens") for k in keys)


def digest(key: bytes, kind: str, value: str) -> bytes:
    """HMAC-SHA256 of ``value`` under ``key``, separated by ``kind`` so a name and an email never collide."""
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()


_field_keys: tuple[str, ...] | None = None


def set_field_keys(keys: Sequence[str]) -> None:
    """Set the keys encrypted database columns and blind indexes use (once per process, by rights.runtime)."""
    global _field_keys
    _field_keys = tuple(keys)


def field_keys() -> tuple[str, ...]:
    if _field_keys is None:
        raise RuntimeError("encrypted columns used before rights.runtime set the encryption keys")
    return _field_keys


def field_cipher() -> Cipher:
    return cipher_for(field_keys(), "columns")


#: Column values at most this long (names, dates, short reasons: what lists show on every row) are kept
#: decrypted in a small per-process cache; letters and other long values are decrypted each time.
SHORT_TOKEN = 512


@functools.lru_cache(maxsize=8192)
def _open_short(keys: tuple[str, ...], token: str) -> str:
    return cipher_for(keys, "columns").decrypt(token.encode("ascii")).decode()


def open_field(token: str) -> str:
    """The plaintext of an encrypted column's value.

    Why a cache: a token is immutable and unique (a new encryption makes a new token), so the same token
    always opens to the same text, and the case list and case pages read the same short values again and
    again (about 25 us of CPU per Fernet decryption). Keyed by the configured keys too, so a process whose
    keys change never opens a token from the cache that its keys could not open.
    """
    keys = field_keys()
    if len(token) <= SHORT_TOKEN:
        return _open_short(keys, token)
    return cipher_for(keys, "columns").decrypt(token.encode("ascii")).decode()


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
