"""Helpers for the bundle tests: extract PDF text, build records with marked secrets."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

from rights.bundles.bundle import BundleMeta, BundleRecord, Redaction, Text

META = BundleMeta(reference="SAR-2026-0042", council_name="Exampleshire County Council",
                  prepared_on=date(2026, 11, 30), draft=True)


def pdftotext(path: str | Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def redacted_record(key: str, service: str, day: date, title: str, source: str) -> tuple[BundleRecord, list[str]]:
    """A record from text where ``[[CODE:secret]]`` marks a redaction: the record keeps only the code, the
    secrets are returned for the test to look for (as the real redaction step would hand them to the gate)."""
    segments: list[Text | Redaction] = []
    secrets: list[str] = []
    pos = 0
    for m in re.finditer(r"\[\[([A-Z0-9]+):(.+?)\]\]", source):
        segments.append(Text(source[pos:m.start()]))
        segments.append(Redaction(m.group(1)))
        secrets.append(m.group(2))
        pos = m.end()
    segments.append(Text(source[pos:]))
    return BundleRecord(key, service, day, title, tuple(segments)), secrets
