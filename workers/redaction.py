"""Job handler proposing redactions for a request's gathered records (see :mod:`rights.redaction.service`).

Idempotent: records already proposed are skipped and redactions are unique by span, so RQ's retries and
the sweeper's re-enqueues add nothing twice.
"""

from __future__ import annotations

from typing import Any

from rights import jobs, runtime
from rights.db import Database
from rights.redaction import service
from rights.security import cipher_for


@jobs.handler(service.PROPOSE_JOB)
def propose_redactions(db: Database, request_id: int) -> dict[str, Any]:
    """Propose redactions for every gathered record of the request that has none yet."""
    settings = runtime.current().settings
    with db.transaction() as session:
        proposed = service.propose_for_request(session, cipher_for(settings.encryption_keys), settings.secret_key,
                                               request_id)
    return {"request_id": request_id, "records_proposed": proposed}
