"""``rights process REF``: run a request's searches without the web interface and print a JSON summary.

It takes the same workflow action as the dashboard's "Start the search" (or "Search the systems again"),
so a received request moves to searching, and a withdrawn, refused or closed one is refused with one
line. The searches run in this process, in parallel (one thread per source, as RQ workers would run them),
through the same job handlers, so the JobRun rows, search tasks, audit entries and gathered records
are exactly what the workers would have written. Jobs go on a private in-memory queue: no worker
elsewhere runs them a second time. Candidates sent to review wait for an officer as usual; their
records are fetched once the officer accepts them.

Exit status: 0 when every source was searched (some may wait for review), 1 when any source failed.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import click
from rq.job import Job
from sqlalchemy import select

from rights import cases, jobs, runtime, search
from rights.clock import LONDON
from rights.db import Database
from rights.errors import CaseError
from rights.intake import normalise_reference
from rights.models import RightsRequest, Role, SearchStatus
from rights.permissions import Actor

__all__ = ["process_command"]


def run_pending(db: Database, queue: jobs.JobQueue, parallel: int) -> None:
    """Execute every job on ``queue`` now, in parallel; failures are already recorded on their tasks."""
    run_ids = []
    for job_id in queue.queue.get_job_ids():
        job = Job.fetch(job_id, connection=queue.connection)
        run_ids.append(job.args[0])
        queue.queue.remove(job_id)

    def execute(run_id: str) -> None:
        with contextlib.suppress(Exception):  # the task row and the JobRun row hold the error
            jobs.execute(db, run_id)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        list(pool.map(execute, run_ids))


@click.command("process")
@click.argument("reference")
@click.option("--service", "services", multiple=True, help="Search only this service's sources (repeatable).")
@click.option("--actor", default=None, help="Who the search log names as having run it (default cli:<login>).")
@click.option("--parallel", default=7, show_default=True, help="Sources searched at once.")
@click.option("--log", "show_log", is_flag=True,
              help="Print the plain-text search log of the searches already run; do not search again.")
def process_command(reference: str, services: tuple[str, ...], actor: str | None, parallel: int,
                    show_log: bool) -> None:
    """Search every source system for request REFERENCE now and print what was found.

    With ``--log`` it prints the search log of the searches already run, without searching again: the log
    is the evidence of a reasonable search, and reading it must not add to it.
    """
    rt = runtime.current()
    wanted = normalise_reference(reference)
    with rt.db.transaction() as session:
        request_id = session.scalars(select(RightsRequest.id).where(RightsRequest.reference == wanted)).first()
    if request_id is None:
        raise click.ClickException(f"no request with reference {reference.strip()!r}")
    if show_log:
        with rt.db.transaction() as session:
            entries = search.search_log(session, request_id)
        click.echo(search.render_search_log(entries, wanted), nl=False)
        return
    login = getpass.getuser()
    who = Actor(id=0, role=Role.OFFICER.value, name=login, reference=actor or f"cli:{login}")
    private_queue = jobs.JobQueue(None, rt.settings.queue_name)  # in-memory: only this process runs these jobs
    try:
        with rt.db.transaction() as session:
            request = session.get(RightsRequest, request_id)
            assert request is not None
            cases.search_systems(session, private_queue, request, who, today=datetime.now(LONDON).date(),
                                 services=services)
    except CaseError as exc:
        raise click.ClickException(str(exc)) from None
    run_pending(rt.db, private_queue, parallel)
    with rt.db.transaction() as session:
        entries = search.search_log(session, request_id)
        summary = search.summary(session, request_id, entries)
    click.echo(json.dumps(summary, indent=2, default=str))
    if any(s["status"] == SearchStatus.FAILED.value for s in summary["sources"]):
        sys.exit(1)
