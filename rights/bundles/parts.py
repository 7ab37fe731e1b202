"""What the bundle's render workers run (pickled by name), and the spill file the records reach them through.

Why a spill file: a 10,000-page bundle's records are about 30 MB of text, and the process that drives the
render would otherwise hold all of it for the whole render, on top of the workers, so the bundle's peak
memory would grow with its size. :func:`spill` pickles each record into a temporary file as the caller's
iterable yields it and keeps only what orders the records and fills the index (:class:`Held`); each chunk
task reads its own records back. A caller that passes a generator therefore never holds more than one record.
The file lives in the bundle's temporary directory, beside the rendered parts, and goes with it.

This module never imports pikepdf: the workers that lay pages out do not need it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from rights.bundles import render
from rights.bundles.bundle import (
    BundleError,
    BundleMeta,
    BundleRecord,
    CodeNote,
    IndexEntry,
    WithheldRecord,
    record_codes,
)

#: What a scan's page counts for when chunks are cut to about the same size (about a page of text).
SCAN_PAGE_SIZE = 3000
#: The page number as the stamp sheet shows it in the footer's style (rights.bundles.stamp typesets from it).
SAMPLE = "Page 0123456789 of 0123456789"


@dataclass(frozen=True)
class Held:
    """A spilled record as the driving process keeps it: what orders it and what the index shows."""

    key: str
    service: str
    date: date
    title: str
    size: int  # characters of text, to cut chunks of about the same size
    offset: int  # where its pickle starts in the spill file
    length: int


def spill(records: Iterable[BundleRecord], out: IO[bytes]) -> tuple[list[Held], set[str]]:
    """Pickle each record into ``out``; returns what is kept of each, and every redaction code used."""
    held: list[Held] = []
    codes: set[str] = set()
    for r in records:
        data = pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)
        size = 400 + sum(len(getattr(s, "text", "") or getattr(s, "html", "")) + 8 for s in r.segments)
        size += SCAN_PAGE_SIZE * len(r.pages)
        codes.update(record_codes(r))
        held.append(Held(r.key, r.service, r.date, r.title, size, out.tell(), len(data)))
        out.write(data)
    return held, codes


def _read(path: str, items: list[tuple[str, int, int]]) -> list[tuple[str, BundleRecord]]:
    with open(path, "rb") as fh:
        out = []
        for anchor, offset, length in items:
            fh.seek(offset)
            out.append((anchor, pickle.loads(fh.read(length))))  # noqa: S301 - our own temporary file
    return out


def render_chunk(meta: BundleMeta, spill_path: str, items: list[tuple[str, int, int]], target: str,
                 seconds: int) -> tuple[int, dict[str, int], dict[str, int]]:
    """Render one chunk of records to ``target``; returns its page count and each record's first and last page
    (0-based, by anchor)."""
    records = _read(spill_path, items)
    html = render.render_template("bundle_records.html", {"meta": meta, "records": records})
    images = scan_images(records)
    del records
    with render.deadline(seconds):
        doc = render.document(html, images=images)
        first: dict[str, int] = {}
        for number, page in enumerate(doc.pages):
            for anchor in page.anchors:
                first.setdefault(anchor, number)
        pages = len(doc.pages)
        render.write(doc, target, pdf_a=meta.pdf_a)
    del doc, html, images
    render.release_memory()
    anchors = [a for a, _o, _l in items]
    missing = [a for a in anchors if a not in first]
    if missing:
        raise BundleError(f"{len(missing)} record(s) did not reach the rendered pages")
    last = {a: (first[anchors[i + 1]] - 1 if i + 1 < len(anchors) else pages - 1) for i, a in enumerate(anchors)}
    return pages, first, last


def scan_images(records: list[tuple[str, BundleRecord]]) -> dict[str, bytes]:
    """The scans' page images by the name the template gives them (``rights-scan:ANCHOR-N``)."""
    return {f"{anchor}-{n}": png for anchor, r in records for n, png in enumerate(r.pages)}


def render_front(meta: BundleMeta, entries: list[IndexEntry], withheld: list[WithheldRecord],
                 codes: list[CodeNote], target: str | None, seconds: int, first: bool, last: bool) -> int:
    """One slice of the front matter: the cover and the index heading on the first, the withheld records and
    the codes on the last. Sliced because a 10,000-page bundle's index is a 200-page table, which WeasyPrint
    would lay out in one piece (half a gigabyte, on one core). With no ``target`` the slice is laid out only
    to count its pages (the first, unnumbered pass: drawing and writing a PDF no one reads is about a third
    of the work)."""
    html = render.render_template("bundle_front.html", {"meta": meta, "entries": entries, "withheld": withheld,
                                                        "codes": codes, "first": first, "last": last})
    if target is None:
        with render.deadline(seconds):
            pages = len(render.document(html).pages)
        render.release_memory()
        return pages
    return _write(html, target, seconds, meta.pdf_a)


def render_sheet(meta: BundleMeta, target: str, seconds: int) -> int:
    """The stamp sheet: page 1 the static footer and DRAFT mark, page 2 the page-number sample."""
    return _write(render.render_template("bundle_stamp.html", {"meta": meta, "sample": SAMPLE}), target, seconds,
                  meta.pdf_a)


def _write(html: str, target: str, seconds: int, pdf_a: bool) -> int:
    with render.deadline(seconds):
        doc: Any = render.document(html)
        render.write(doc, target, pdf_a=pdf_a)
        pages = len(doc.pages)
    del doc
    render.release_memory()
    return pages
