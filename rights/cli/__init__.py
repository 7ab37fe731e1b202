"""The ``rights`` console command: Flask's click CLI plus the product's own commands.

``rights demo`` is the one-command start for a newcomer; ``rights worker`` is what production runs on
each worker host. Commands that only need the database build a runtime from the environment and never
start the web app.
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import PackageNotFoundError, version

import click

from rights import config, runtime
from rights.cli.errors import OneLineError, RightsGroup


def _create_app():  # type: ignore[no-untyped-def]
    from rights.web import create_app

    return create_app(serving=False)


def _version() -> str:
    """Rights Desk's version from the installed package's metadata (pyproject.toml is its one home)."""
    try:
        return version("rights-desk")
    except PackageNotFoundError:
        return "unknown (not installed: run pip install -e .)"


@click.group(cls=RightsGroup, create_app=_create_app, add_default_commands=True, load_dotenv=False,
             add_version_option=False)
@click.version_option(_version(), "--version", prog_name="Rights Desk", message="%(prog)s %(version)s")
def main() -> None:
    """Rights Desk: data-protection rights requests for councils."""


# ---------------------------------------------------------------- database
@main.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to date."""
    from rights import migrate

    url = config.load().database_url
    _ensure_sqlite_dir(url)
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current(url)}")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (for example 'base')."""
    from rights import migrate

    migrate.downgrade(config.load().database_url, revision)


@db_group.command("current")
def db_current() -> None:
    """Print the schema revision the database is at."""
    from rights import migrate

    click.echo(migrate.current(config.load().database_url) or "(empty database)")


@db_group.command("check")
def db_check() -> None:
    """Exit non-zero if the models and the migrated schema disagree."""
    from rights import migrate

    diffs = migrate.differences(config.load().database_url)
    for diff in diffs:
        click.echo(repr(diff))
    sys.exit(1 if diffs else 0)


@db_group.command("grant-app")
@click.argument("role")
def db_grant_app(role: str) -> None:
    """Give ROLE the app's rights: every table, but only INSERT and SELECT on the audit trail.

    Run as the tables' owner (the role migrations run as) after each ``rights db upgrade``; then run the
    web app and the workers as ROLE (production refuses a role that could rewrite the trail).
    """
    from sqlalchemy import create_engine

    from rights.audit import roles

    engine = create_engine(config.load().database_url)
    try:
        for statement in roles.grant_app_role(engine, role):
            click.echo(statement)
    except roles.RoleError as exc:
        raise OneLineError(str(exc), exit_code=2) from exc
    finally:
        engine.dispose()


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------- worker and jobs
@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
def worker(burst: bool) -> None:
    """Run an RQ worker (with its scheduler, which runs the schedule) on REDIS_URL; run as many as needed."""
    from rights import jobs
    from rights.schedule.worker import serve

    rt = runtime.current()
    if rt.queue.inline:
        raise OneLineError("REDIS_URL is not set: the demo runs jobs inside `rights demo` instead")
    rt.refuse_unsafe_database_role()
    logging.basicConfig(level=logging.INFO)
    jobs._load_handlers()
    serve(rt.queue, burst=burst)


@main.group("jobs")
def jobs_group() -> None:
    """Background jobs mirrored in the database."""


@jobs_group.command("requeue")
def jobs_requeue() -> None:
    """Enqueue again the jobs the database says should run but the queue does not have."""
    from rights import jobs

    rt = runtime.current()
    click.echo(f"requeued {jobs.requeue_stale(rt.db, rt.queue)} job(s)")


# ---------------------------------------------------------------- keys and audit
@main.command("keygen", with_appcontext=False)
def keygen() -> None:
    """Print a new encryption key for RIGHTS_ENCRYPTION_KEYS (newest first, comma-separated).

    Needs no settings: it runs before production settings exist (``export RIGHTS_ENCRYPTION_KEYS=$(rights
    keygen)`` is how they are made), so it never loads them.
    """
    from rights.security import generate_key

    click.echo(generate_key())


@main.group("audit")
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
@click.option("--checkpoints", "checkpoint_file", type=click.Path(dir_okay=False), default=None,
              help="Checkpoint file to check the trail against (default RIGHTS_AUDIT_CHECKPOINT_FILE if it exists).")
def audit_verify(checkpoint_file: str | None) -> None:
    """Check every entry's link and signature, and the published checkpoints; name the first break."""
    from pathlib import Path

    from rights import audit
    from rights.audit import checkpoints

    rt = runtime.current()
    path = checkpoint_file or (rt.settings.audit_checkpoint_file
                               if Path(rt.settings.audit_checkpoint_file or "").is_file() else None)
    try:
        expected = checkpoints.read_file(path) if path else checkpoints.Expected({}, 0)
    except checkpoints.CheckpointError as exc:
        raise OneLineError(str(exc), exit_code=1) from exc
    with rt.db.transaction() as session:
        result = audit.verify(session, expect=expected.hashes)
    against = f", {expected.count} checkpoint(s) matched" if path else ", no checkpoint file to check against"
    if result.ok:
        old = f" ({result.unkeyed} from before the chain was keyed)" if result.unkeyed else ""
        click.echo(f"audit chain intact: {result.checked} entries{old}{against}")
        return
    where = f"entry {result.first_broken_id}" if result.first_broken_id else "the end of the chain"
    click.echo(f"audit chain BROKEN at {where}: {result.reason} ({result.checked} entries good before it)",
               err=True)
    sys.exit(1)


@audit_group.command("checkpoint")
@click.option("--file", "checkpoint_file", type=click.Path(dir_okay=False), default=None,
              help="Append to this file instead of RIGHTS_AUDIT_CHECKPOINT_FILE.")
def audit_checkpoint(checkpoint_file: str | None) -> None:
    """Publish a signed checkpoint of the trail's head (the schedule does this hourly); print its line."""
    import json

    from rights.audit import checkpoints
    from rights.models import utcnow

    rt = runtime.current()
    path = checkpoint_file or rt.settings.audit_checkpoint_file
    if not path:
        raise OneLineError("no checkpoint file: set RIGHTS_AUDIT_CHECKPOINT_FILE or pass --file", exit_code=2)
    try:
        with rt.db.transaction() as session:
            point = checkpoints.publish(session, path, utcnow())
    except OSError as exc:
        raise OneLineError(f"cannot write the checkpoint file {path}: {exc.strerror}", exit_code=1) from exc
    click.echo(json.dumps(point, sort_keys=True))


# ---------------------------------------------------------------- demo
@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Migrate and seed only (used by tests).")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Start the whole product on SQLite with seeded demo systems: portal, dashboard and worker."""
    from rights import migrate
    from rights.demo import seed as seed_demo

    settings = config.load()
    if settings.env == "production":
        raise OneLineError("rights demo seeds published demo passwords; it never runs with RIGHTS_ENV=production")
    _ensure_sqlite_dir(settings.database_url)
    migrate.upgrade(settings.database_url)
    rt = runtime.init(settings)
    from rights import keys

    keys.rotate(rt.db, settings, actor="system:demo")  # a demo database from an older release: encrypt, index
    summary = seed_demo(rt)
    click.echo(summary)
    if no_serve:
        return
    from rights.web import create_app

    app = create_app(settings, start_worker=True)
    click.echo(f"Rights Desk demo on http://{host}:{port}/  (portal) and http://{host}:{port}/staff (dashboard)")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


# Each command lives in its own module (plain Click, no Flask); the group gathers them here.
from rights.cli.bundle import bundle_command  # noqa: E402
from rights.cli.case import case_group  # noqa: E402
from rights.cli.clock import clock_command  # noqa: E402
from rights.cli.keys import keys_group  # noqa: E402
from rights.cli.portal import portal_command  # noqa: E402
from rights.cli.process import process_command  # noqa: E402
from rights.cli.redact import redact_command  # noqa: E402
from rights.cli.retention import retention_group  # noqa: E402
from rights.cli.schedule import schedule_group  # noqa: E402
from rights.cli.users import users_group  # noqa: E402

for _command in (clock_command, process_command, redact_command, bundle_command, users_group, portal_command,
                 schedule_group, case_group, keys_group, retention_group):
    main.add_command(_command)


__all__ = ["main"]
