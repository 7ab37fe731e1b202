"""The outbox as administrators see it: statuses, failures and resends, never a message's body.

Administrators keep mail flowing but see no case data, so this reads only the envelope: kind, case
reference, status, attempts, the last error, when, and the recipient's address masked to its domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rights.models import OutboxMessage

STATUSES = ("pending", "sending", "retrying", "failed", "unknown", "sent", "held")
#: Statuses an administrator may act on (rights.notify.outbox.resend decides).
RESENDABLE = frozenset({"failed", "unknown"})
PAGE = 200


def mask(address: str) -> str:
    """``sam@example.org`` → ``s…@example.org``: enough to tell messages apart, not to read who."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    reference: str | None
    to: str
    status: str
    attempts: int
    resends: int
    error: str | None
    created_at: datetime
    sent_at: datetime | None

    @property
    def resendable(self) -> bool:
        return self.status in RESENDABLE and self.resends < 1


def counts(session: Session) -> dict[str, int]:
    found = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: int(found.get(status, 0)) for status in STATUSES}


def rows(session: Session, status: str | None = None, limit: int = PAGE) -> list[Row]:
    """The newest messages (failures first when no status is chosen), envelope only."""
    columns = (OutboxMessage.id, OutboxMessage.template, OutboxMessage.reference, OutboxMessage.to,
               OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.resends, OutboxMessage.last_error,
               OutboxMessage.created_at, OutboxMessage.sent_at)
    query = select(*columns)  # the columns only: the encrypted bodies are never loaded
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    else:
        query = query.order_by(OutboxMessage.status.in_(tuple(RESENDABLE)).desc())
    query = query.order_by(OutboxMessage.id.desc()).limit(limit)
    return [Row(id=i, kind=t, reference=ref, to=mask(to), status=st, attempts=a, resends=rs,
                error=(e or "")[:300] or None, created_at=c, sent_at=s)
            for i, t, ref, to, st, a, rs, e, c, s in session.execute(query).all()]


__all__ = ["RESENDABLE", "STATUSES", "Row", "counts", "mask", "rows"]
