"""``rights case show REF [--json]``: one case as an officer would need it to take the next step.

Stage, clock (due, paused days, working days left), identity and authority, the searches, the release
checks and each action with ``allowed`` and the checks blocking it, as the role given (an officer by
default) would see them. The data is :func:`rights.cases.case_summary`; this module only prints it.
A reference is matched whatever its case; an unknown one gets one line and exit status 2.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import datetime

import click
from sqlalchemy import select

from rights import cases, runtime
from rights.clock import LONDON
from rights.models import RightsRequest, Role
from rights.permissions import CASEWORKERS, Actor

__all__ = ["case_group"]


@click.group("case")
def case_group() -> None:
    """Look at one case."""


def _text(summary: dict) -> str:
    c = summary["clock"]
    lines = [f"{summary['reference']} ({summary['kind']}): {summary['stage_label']}"]
    if "error" in c:
        lines.append(f"Clock: {c['error']}")
    else:
        left = "" if c["working_days_left"] is None else f", {c['working_days_left']} working days left"
        lines.append(f"Due {c['due']}{' (provisional)' if c['provisional'] else ''}, "
                     f"{c['paused_days']} paused days{left}")
    lines.append(f"Identity: {'verified' if summary['identity']['verified'] else 'not verified'}; "
                 f"authority: {'checked' if summary['authority']['verified'] else 'not checked'}")
    for check in summary["checks"]:
        state = {"done": "done", "overridden": f"overridden by {check['overridden_by']}: {check['override_reason']}",
                 "open": f"OPEN: {check['reason']}"}[check["state"]]
        lines.append(f"  [{check['label']}] {state}")
    for s in summary["searches"]:
        lines.append(f"  search {s['source']} ({s['service']}): {s['status']}, {s['records']} records, "
                     f"{'settled' if s['confirmed'] or s['closed_by_officer'] else 'not confirmed'}")
    for a in summary["actions"]:
        why = a["refused_because"] or "; ".join(b["label"] for b in a["blocked_by"])
        lines.append(f"  {'✓' if a['allowed'] else '✗'} {a['label']}{'' if a['allowed'] else ' — ' + why}")
    return "\n".join(lines)


@case_group.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--role", type=click.Choice(sorted(r.value for r in CASEWORKERS)), default=Role.OFFICER.value,
              show_default=True, help="Whose actions to list.")
def show_command(reference: str, as_json: bool, role: str) -> None:
    """Show case REFERENCE: stage, clock, identity, searches, checks and the actions open now."""
    rt = runtime.current()
    login = getpass.getuser()
    who = Actor(id=0, role=role, name=login, reference=f"cli:{login}")
    wanted = reference.strip().upper()
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == wanted)).first()
        if request is None:
            click.echo(f"Error: no request with reference {reference.strip()!r}", err=True)
            sys.exit(2)
        summary = cases.case_summary(session, request, who, datetime.now(LONDON).date())
    click.echo(json.dumps(summary, indent=2, default=str) if as_json else _text(summary))
