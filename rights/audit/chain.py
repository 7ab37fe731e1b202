"""The audit chain's link: a keyed MAC over every field of an entry and the link to the one before.

Why an HMAC, not a plain hash: with a plain SHA-256 chain, anyone who can write to the database can
delete or edit an entry and recompute every later hash, and verification then says "intact". The MAC's
key (derived from ``RIGHTS_AUDIT_KEYS``, held in the environment, never in the database) is what such a
rewrite would need. Why every field: an entry's id, client address and key id are evidence too (an edited
IP address must break the chain as surely as an edited action).

Why the key id is stored on each entry: audit keys rotate like encryption keys, but an old audit key is
kept for as long as the trail it signed (it protects integrity, not secrecy), so verification picks each
entry's key by id. Entries written before the chain was keyed (``key_id`` empty) are checked by the old
unkeyed rule and reported as such.

Pure functions and a process-wide key ring set once by :mod:`rights.runtime`, like the column keys.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rights import security

GENESIS = "0" * 64
#: The version of the MAC payload's layout, inside the MAC: a later layout can never be read as this one.
LAYOUT = 2

_keys: dict[str, bytes] = {}
_newest: str | None = None


def set_keys(keys: Sequence[str]) -> None:
    """Set the audit keys (newest first): the newest signs new entries, every one verifies its own."""
    global _newest
    derived = [(security.key_id(k, "audit"), security.derive(k, "audit")) for k in keys]
    _keys.clear()
    _keys.update(derived)
    _newest = derived[0][0] if derived else None


def signing_key() -> tuple[str, bytes]:
    """(key id, key) of the newest audit key."""
    if _newest is None:
        raise RuntimeError("the audit trail was written before rights.runtime set the audit keys")
    return _newest, _keys[_newest]


def key(key_id: str) -> bytes | None:
    """The configured audit key with this id, or None (verification then says which key is missing)."""
    return _keys.get(key_id)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False).encode()


def mac(key_bytes: bytes, payload: Any) -> str:
    return hmac.new(key_bytes, canonical(payload), hashlib.sha256).hexdigest()


def entry_payload(*, id: int, prev_hash: str, at: datetime, actor: str, action: str, request_id: int | None,
                  target: str | None, detail: dict[str, Any], ip: str | None, key_id: str) -> list[Any]:
    """Every field of an entry, in a fixed order, for its MAC."""
    return [LAYOUT, id, prev_hash, at.isoformat(timespec="microseconds"), actor, action, request_id, target,
            detail, ip, key_id]


def legacy_digest(prev_hash: str, at: datetime, actor: str, action: str, request_id: int | None,
                  target: str | None, detail: dict[str, Any]) -> str:
    """The unkeyed SHA-256 link of entries written before the chain was keyed (verification only)."""
    payload = json.dumps([prev_hash, at.isoformat(timespec="microseconds"), actor, action, request_id, target,
                          detail], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def fingerprint(text: str | None) -> str | None:
    """A keyed fingerprint of free text an officer typed (a reason, a note), for an audit entry's detail.

    Why not the text: the trail is append-only and never purged, so a name written in a reason would stay
    readable for ever. The text itself is kept, encrypted, on the row the action changed (the timeline
    event, the search task...), which retention can delete; the fingerprint still proves which text the
    action was taken with. Keyed, so a short reason cannot be guessed by hashing candidates.
    """
    if text is None or not text.strip():
        return None
    key_id, key_bytes = signing_key()
    return f"{key_id}:{mac(key_bytes, ['free-text', text.strip()])[:32]}"
