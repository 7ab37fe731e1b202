"""The bundle's parts as HTML for the render workers, and the spill file the records wait in meanwhile.

Why a spill file: a 10,000-page bundle's records are about 30 MB of text, and the process that drives the
render would otherwise hold all of it for the whole render, on top of the workers, so the bundle's peak
memory would grow with its size. :func:`spill` pickles each record into a temporary file as the caller's
iterable yields it and keeps only what orders the records and fills the index (:class:`Held`); each chunk's
records are read back, one chunk at a time, to write that chunk's HTML. A caller that passes a generator
therefore never holds more than one record. The file lives in the bundle's temporary directory, beside the
rendered parts, and goes with it.

The HTML of every part is written here, in the driving process, and a worker only lays it out
(:func:`rights.bundles.layout.lay_out`): so the workers import neither the templates nor the bundle's
dataclasses. Writing a chunk's HTML takes a few milliseconds; laying it out, seconds.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

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


def chunk_html(meta: BundleMeta, spill_path: str, items: list[tuple[str, int, int]],
               images_dir: Path | None = None) -> tuple[str, bool]:
    """The HTML of one chunk of records (``items``: anchor, offset and length in the spill file), and whether
    it shows any scan's pages: those are written into ``images_dir`` as ``ANCHOR-N.png``, where the worker's
    fetcher may read them (``rights-scan:ANCHOR-N``; :func:`rights.bundles.layout.locked_fetcher`)."""
    records = _read(spill_path, items)
    scanned = False
    for anchor, record in records:
        for n, png in enumerate(record.pages):
            if images_dir is None:
                raise BundleError("a scan's pages need a folder to be handed to the render worker")
            images_dir.mkdir(exist_ok=True)
            (images_dir / f"{anchor}-{n}.png").write_bytes(png)
            scanned = True
    return render.render_template("bundle_records.html", {"meta": meta, "records": records}), scanned


def front_html(meta: BundleMeta, entries: list[IndexEntry], withheld: list[WithheldRecord],
               codes: list[CodeNote], first: bool, last: bool) -> str:
    """One slice of the front matter: the cover and the index heading on the first, the withheld records and
    the codes on the last. Sliced because a 10,000-page bundle's index is a 200-page table, which WeasyPrint
    would lay out in one piece (half a gigabyte, on one core)."""
    return render.render_template("bundle_front.html", {"meta": meta, "entries": entries, "withheld": withheld,
                                                        "codes": codes, "first": first, "last": last})


def sheet_html(meta: BundleMeta) -> str:
    """The stamp sheet: page 1 the static footer and DRAFT mark, page 2 the page-number sample."""
    return render.render_template("bundle_stamp.html", {"meta": meta, "sample": SAMPLE})


def save(html: str, path: Path) -> str:
    """Write a part's HTML where a worker will read it (:func:`rights.bundles.layout.lay_out`)."""
    path.write_text(html, encoding="utf-8")
    return str(path)


def pages_of(anchors: list[str], pages: int, first: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Each record's first and last page in its chunk (0-based, by anchor) from the first page each anchor
    was found on; a record whose anchor never reached a page is an error, never a bundle without it."""
    missing = [a for a in anchors if a not in first]
    if missing:
        raise BundleError(f"{len(missing)} record(s) did not reach the rendered pages")
    last = {a: (first[anchors[i + 1]] - 1 if i + 1 < len(anchors) else pages - 1) for i, a in enumerate(anchors)}
    return {a: first[a] for a in anchors}, last


def one_pass_html(meta: BundleMeta, records: Sequence[BundleRecord], withheld: Sequence[WithheldRecord]) -> str:
    """The same bundle as a single HTML document (index pages by target-counter): the benchmark's baseline."""
    from rights.bundles.bundle import _code_notes, codes_used, order

    ordered = order(records)
    entries = [IndexEntry(r.key, f"r{i}", r.service, r.date, r.title, 0, 0) for i, r in enumerate(ordered)]
    codes = _code_notes(codes_used(set().union(*(record_codes(r) for r in ordered)), withheld))
    return render.render_template("bundle_one_pass.html", {
        "meta": meta, "entries": entries, "withheld": list(withheld), "codes": codes,
        "records": [(f"r{i}", r) for i, r in enumerate(ordered)]})
