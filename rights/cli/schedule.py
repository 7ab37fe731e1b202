"""``rights schedule ...``: see the schedule, run it now, or simulate it day by day."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from rights import runtime


@click.group("schedule")
def schedule_group() -> None:
    """Scheduled reminders, chasers and housekeeping (run by every `rights worker`)."""


def _london(value: object) -> str:
    from datetime import datetime

    from rights.clock import LONDON

    return value.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") if isinstance(value, datetime) else "-"


@schedule_group.command("list")
def list_command() -> None:
    """Each job: when it runs (London time), its last run and its next run."""
    from rights.schedule import runner

    rows = runner.status(runtime.current().db)
    click.echo(f"{'job':<22} {'when':<28} {'last run':<34} next run")
    for s in rows:
        last = f"{s.last_period} {s.last_status} {_london(s.last_finished)}" if s.last_period else "never"
        click.echo(f"{s.job:<22} {s.when:<28} {last:<34} {_london(s.next_run)}")


@schedule_group.command("run")
def run_command() -> None:
    """Run whatever is due now, once (the same tick the workers run; safe beside them)."""
    from rights.schedule import runner

    rt = runtime.current()
    ran = runner.tick(rt.db, rt.queue, rt.settings)
    if rt.queue.inline:  # no Redis (the demo): send what the run queued now, before this process ends
        from rights.jobs import InlineWorker

        InlineWorker(rt.queue).drain()
    click.echo(json.dumps(ran, default=str, indent=1) if ran else "nothing due")


@schedule_group.command("simulate")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--days", default=30, show_default=True, help="How many days to run.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per day).")
def simulate_command(start: str, days: int, as_json: bool) -> None:
    """Run the schedule day by day from --from on a copy of the data, sending nothing; print what it would send."""
    from rights.schedule.simulate import SimulationError, simulate

    try:
        first = date.fromisoformat(start)
    except ValueError:
        click.echo(f"--from must be a date like 2026-12-01, not {start!r}", err=True)
        sys.exit(2)
    try:
        report = simulate(runtime.current().settings, first, days)
    except SimulationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps([d.as_dict() for d in report], default=str, indent=1))
        return
    for d in report:
        click.echo(f"{d.day.isoformat()}: {len(d.messages)} message(s)")
        for m in d.messages:
            click.echo(f"  {m.job:<22} {m.template:<30} {m.reference or '-':<16} {m.to}")
