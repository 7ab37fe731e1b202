"""The append-only audit trail of who saw and did what, keyed so that no one can quietly rewrite it.

Three defences, each against a stronger attacker:

- The database refuses UPDATE and DELETE on ``audit_events`` (a trigger, see the migrations), and the app
  runs as a role that may only INSERT and SELECT there (:mod:`rights.audit.roles`): a bug or a stolen app
  connection cannot change the trail.
- Each entry carries an HMAC over every field and the previous entry's MAC (:mod:`rights.audit.chain`),
  keyed from ``RIGHTS_AUDIT_KEYS``, which never enters the database: the table's owner can delete or edit
  entries, but cannot make :func:`verify` pass again without the key.
- Signed checkpoints of the chain's head are published hourly to a file and the log
  (:mod:`rights.audit.checkpoints`), which the operator keeps elsewhere: even a rewrite with the key
  disagrees with what was published before.

Entries are appended at commit (:mod:`rights.audit.trail`), so the chain's lock is held only for the
append itself.
"""

from __future__ import annotations

from rights.audit.chain import GENESIS, fingerprint, set_keys
from rights.audit.trail import Verification, pending, record, seal, verify

__all__ = ["GENESIS", "Verification", "fingerprint", "pending", "record", "seal", "set_keys", "verify"]
