"""``rights bundle REF --out DIR``: the response letter and disclosure bundle from the current decisions.

Writes ``letter.pdf`` and ``bundle.pdf`` and prints one JSON summary: pages, records, withheld, version,
sha256 (of bundle.pdf as written), draft, bundle. When a version was already prepared from exactly these
decisions its stored files are written (the approved, unmarked ones once it is approved); otherwise the pair
is rendered now, marked DRAFT on every page, and no version is created (``version`` is null). When nothing is
to be disclosed the response is the letter alone: only ``letter.pdf`` is written, ``bundle`` is false,
``pages`` 0 and ``sha256`` null. Nothing leaves the council's machine but these files, which hold personal
data: keep ``DIR`` private.

Exit status: 0 on success; 2 with one line on stderr for a reference that names no request, undecided
records or nothing to render.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import click
from sqlalchemy import select

from rights import audit, runtime
from rights.bundles import versions
from rights.models import BundleVersion, RightsRequest

__all__ = ["bundle_command"]


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@click.command("bundle")
@click.argument("reference")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write letter.pdf and bundle.pdf into (created if missing).")
def bundle_command(reference: str, out: Path) -> None:
    """Write request REFERENCE's response letter and bundle to --out and print a JSON summary."""
    rt = runtime.current()
    with rt.db.transaction() as session:
        request = session.scalars(select(RightsRequest).where(RightsRequest.reference == reference.strip())).first()
        if request is None:
            _fail(f"no request with reference {reference!r}")
            return
        try:
            ds = versions.decided_set(session, rt.cipher, request.id)
        except versions.VersionError as exc:
            _fail(str(exc))
            return
        current = versions.fingerprint(ds, versions.searched(session, request.id))
        version = session.scalars(select(BundleVersion).where(BundleVersion.request_id == request.id,
                                                              BundleVersion.fingerprint == current)).first()
        if version is not None:
            final = version.status in versions.FINAL
            pdfs = versions.files(rt.files, version, final=final)
            pages, number, draft = version.pages, version.number, not final
        else:
            rendered = versions.render_response(session, rt.settings, request, ds, draft=True)
            pdfs = {"letter": rendered.letter, **({"bundle": rendered.bundle} if rendered.bundle else {})}
            pages, number, draft = rendered.pages, None, True
        audit.record(session, "cli", "bundle.exported", request_id=request.id, target=request.reference,
                     detail={"version": number, "draft": draft})
        summary = {"reference": request.reference, "pages": pages, "records": len(ds.included),
                   "withheld": len(ds.withheld), "version": number,
                   "sha256": hashlib.sha256(pdfs["bundle"]).hexdigest() if "bundle" in pdfs else None,
                   "draft": draft, "bundle": "bundle" in pdfs}
    out.mkdir(parents=True, exist_ok=True)
    for name, data in pdfs.items():
        (out / f"{name}.pdf").write_bytes(data)
    click.echo(json.dumps(summary, indent=2))
