"""``rights keys ...``: re-encrypt everything under the newest key, and see how far a rotation has got.

Rotating a key: put a new key (``rights keygen``) first in ``RIGHTS_ENCRYPTION_KEYS`` on every web and
worker host, restart them, run ``rights keys rotate`` (safe beside the running app; resumable), and once
it says ``finished`` with nothing ``unreadable``, remove the old key from the list and restart again.
"""

from __future__ import annotations

import json
import sys

import click

from rights import runtime
from rights.cli.errors import USAGE, OneLineError


@click.group("keys")
def keys_group() -> None:
    """Encryption keys: rotation of columns, files and the name index."""


def _limit(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise OneLineError(f"--limit must be a whole number of rows of at least 1, not {raw!r}", USAGE)
    return int(raw)


@keys_group.command("rotate")
@click.option("--limit", "limit_raw", default=None, help="Stop after this many rows and files (run again to go on).")
@click.option("--restart", is_flag=True, help="Walk everything again even if a rotation to this key finished.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def rotate_command(limit_raw: str | None, restart: bool, as_json: bool) -> None:
    """Re-encrypt every encrypted column and stored file under the newest key (resumable, idempotent)."""
    from rights import keys

    limit = _limit(limit_raw)
    rt = runtime.current()
    report = keys.rotate(rt.db, rt.settings, actor="cli", limit=limit, restart=restart)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=1, sort_keys=True))
    else:
        state = "already finished earlier" if report.already_done else "finished" if report.finished else \
            "paused (run it again to carry on)"
        click.echo(f"rotation to key {report.key_id}: {state}")
        for part, counts in sorted(report.parts.items()):
            shown = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()) if k != "done" and n)
            click.echo(f"  {part:<28} {shown or 'nothing stored'}")
        click.echo("  total: " + (", ".join(f"{n} {k}" for k, n in sorted(report.totals().items()) if n) or "nothing"))
    if report.totals().get("unreadable"):
        click.echo("some values no configured key opens: keep every old key until they are explained", err=True)
        sys.exit(1)


@keys_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_command(as_json: bool) -> None:
    """How far the rotation to the newest key has got, part by part."""
    from rights import keys

    rt = runtime.current()
    found = keys.status(rt.db, rt.settings)
    if as_json:
        click.echo(json.dumps(found, indent=1, sort_keys=True))
        return
    click.echo(f"newest key {found['key']} ({found['keys_configured']} configured)")
    for part, state in found["parts"].items():
        click.echo(f"  {part:<28} {state}")
