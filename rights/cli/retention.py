"""``rights retention ...``: run the retention purge (or see what it would do), and place or lift legal holds.

The schedule runs the purge daily at 03:00 (``retention_purge``); this command runs the same thing now.
``--dry-run`` changes nothing and reports what would go. The report names references and counts, never
a person.
"""

from __future__ import annotations

import getpass
import json

import click
from sqlalchemy import select

from rights import runtime
from rights.cli.errors import USAGE, OneLineError
from rights.errors import CaseError
from rights.intake import normalise_reference
from rights.models import RightsRequest


@click.group("retention")
def retention_group() -> None:
    """Retention: purge closed cases past their period; legal holds."""


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@retention_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Change nothing; report what would be deleted.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def purge_command(dry_run: bool, as_json: bool) -> None:
    """Delete closed cases past their period, verified proofs of identity and expired CCTV copies."""
    from rights import retention

    rt = runtime.current()
    report = retention.run(rt.db, rt.settings, dry_run=dry_run, actor=_actor())
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=1, sort_keys=True))
        return
    verb = "would delete" if dry_run else "deleted"
    totals = report.totals()
    click.echo(f"retention ({report.rules.closed_days} days after closure; proof of identity "
               f"{report.rules.id_days} days after verification): {verb} {totals['cases']} case(s), "
               f"{totals['id_documents']} proof(s) of identity, {totals['copies']} CCTV cop(ies), "
               f"{totals['files']} file(s); {totals['held']} case(s) kept under a legal hold")
    for case in report.cases:
        click.echo(f"  {case['reference']} closed {case['closed_on']}: {sum(case['rows'].values())} rows, "
                   f"{case['files']} files")
    for reference in report.held:
        click.echo(f"  {reference}: held")


def _request(session, reference: str) -> RightsRequest:  # type: ignore[no-untyped-def]
    wanted = normalise_reference(reference)
    request = session.scalars(select(RightsRequest).where(RightsRequest.reference == wanted)
                              .with_for_update()).first()
    if request is None:
        raise OneLineError(f"no request with reference {reference.strip()!r}", USAGE)
    return request


@retention_group.command("hold")
@click.argument("reference")
@click.option("--reason", default="", help="Why the case must be kept (a claim, an investigation).")
def hold_command(reference: str, reason: str) -> None:
    """Put case REFERENCE on legal hold: the purge keeps everything of it until the hold is lifted."""
    from rights.retention import place_hold

    with runtime.current().db.transaction() as session:
        request = _request(session, reference)
        try:
            place_hold(session, request, _actor(), reason)
        except CaseError as exc:
            raise OneLineError(str(exc), USAGE) from None
        click.echo(f"{request.reference} is on legal hold")


@retention_group.command("lift")
@click.argument("reference")
def lift_command(reference: str) -> None:
    """Lift the legal hold on case REFERENCE (its retention period applies again from closure)."""
    from rights.retention import lift_hold

    with runtime.current().db.transaction() as session:
        request = _request(session, reference)
        try:
            lift_hold(session, request, _actor())
        except CaseError as exc:
            raise OneLineError(str(exc), USAGE) from None
        click.echo(f"{request.reference} is no longer on hold")
