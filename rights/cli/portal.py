"""``rights portal ...``: housekeeping for the public portal."""

from __future__ import annotations

import click

from rights import drafts, runtime


@click.group("portal")
def portal_command() -> None:
    """The public portal's drafts, uploads and codes."""


@portal_command.command("cleanup")
def cleanup() -> None:
    """Delete expired drafts, codes, grants and sign-in counters, and unclaimed uploads (the schedule runs it daily)."""
    rt = runtime.current()
    counts = drafts.purge_abandoned(rt.db, rt.settings.upload_dir, rt.settings.encryption_keys)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + " deleted")
