"""``rights portal ...``: housekeeping for the public portal."""

from __future__ import annotations

import click

from rights import runtime


@click.group("portal")
def portal_command() -> None:
    """The public portal's drafts, uploads and codes."""


@portal_command.command("cleanup")
def cleanup() -> None:
    """Delete expired drafts and codes, and uploads no submitted request claimed (run daily)."""
    from workers.notify import cleanup as run_cleanup

    rt = runtime.current()
    counts = run_cleanup(rt.db, rt.settings.upload_dir, rt.settings.encryption_keys)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + " deleted")
