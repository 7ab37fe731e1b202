"""``rights redact REF --json``: a request's gathered records as they would be disclosed, headless.

It proposes redactions for any record that has none yet (the same service the worker runs), then prints
one JSON document (the format is documented in the README and kept stable). Without
``--accept-proposed`` it decides nothing. With it, it acts as a batch officer named by ``--actor``:
every redaction still proposed is accepted and every undecided record with a text layer is included,
each decision recorded and audited under that name. A record with no text layer stays undecided (it
needs an officer: withhold it, since redacting a scan by page region is not built).

Exit status: 0 on success, 2 for a reference that names no request (one line on stderr), 1 when a
decision is refused (one line: the case is not in a stage where redactions may change).
"""

from __future__ import annotations

import getpass
import json
import sys

import click
from sqlalchemy import select

from rights import audit, runtime
from rights.errors import CaseError
from rights.models import RightsRequest
from rights.redaction import decisions, review, service

__all__ = ["redact_command"]


@click.command("redact")
@click.argument("reference")
@click.option("--accept-proposed", is_flag=True,
              help="Accept every proposed redaction and include every undecided record, as --actor.")
@click.option("--actor", default=None, help="Who the decisions and the audit trail name (default cli:<login>).")
@click.option("--json", "as_json", is_flag=True, default=True, help="Print JSON (the only format).")
def redact_command(reference: str, accept_proposed: bool, actor: str | None, as_json: bool) -> None:
    """Propose (and optionally accept) redactions for request REFERENCE and print every record as disclosed."""
    rt = runtime.current()
    who = (actor or "").strip() or f"cli:{getpass.getuser()}"
    try:
        with rt.db.transaction() as session:
            request = session.scalars(
                select(RightsRequest).where(RightsRequest.reference == reference.strip())).first()
            if request is None:
                click.echo(f"Error: no request with reference {reference!r}", err=True)
                sys.exit(2)
            request_id = request.id
            service.propose_for_request(session, rt.cipher, rt.settings.secret_key, request_id)
        if accept_proposed:
            with rt.db.transaction() as session:
                counts = accept_everything(session, request_id, who)
                audit.record(session, who, "redaction.batch_accepted", request_id=request_id, target=reference,
                             detail=counts)
        with rt.db.transaction() as session:
            result = {"reference": request.reference, **review.report(session, rt.cipher, request_id)}
    except CaseError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))


def accept_everything(session, request_id: int, actor: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Accept every open proposal and include every undecided record with a text layer."""
    included = accepted = 0
    for row in review.record_rows(session, request_id):
        if row.decided or row.needs_officer:
            continue
        if row.decision is None:
            before = row.proposed
            decisions.include_record(session, request_id, row.id, actor, accept_all=True)
            included += 1
            accepted += before
        else:  # decided earlier but a proposal is still open (withheld or included before a re-proposal)
            accepted += decisions.accept_proposed(session, request_id, row.id, actor)
    return {"records_included": included, "proposals_accepted": accepted}
