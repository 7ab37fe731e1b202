"""The disclosure bundle: what a requester receives, rendered from decided records (plain dataclasses).

Shape: a cover sheet; an index (document, service, date, pages) followed by the records withheld in full (with
their code) and the meaning of every code used; then each record on a new page under a header (service, date,
title). A redaction is a :class:`Redaction` carrying only its code: the original text is never given to this
module, so it cannot reach the HTML, the PDF or its text layer. Every page has the council, the reference and
"Page n of N" in its footer, and "DRAFT" across it until the version is approved. Bookmarks go by service,
then record. Records are grouped by service (in order of first appearance), then by date, so that the index,
the pages and the bookmarks follow one order.

Why chunked: a care leaver's file can run to 10,000 pages, and WeasyPrint lays a whole document out in
memory (several GB at that size) on one core. So records are cut into contiguous chunks rendered in parallel
worker processes (each under the render limits) straight to temporary files; the front matter is rendered
once the chunks' page counts are known (so the index can give real pages); the footers, which need the
bundle-wide page numbers, are rendered as a transparent overlay per part and laid over its pages in the
workers, which also drop each page's unused resources; the parts are then streamed into one file
(``pdfjoin``) part by part, so the joining process does not grow with the page count either. Each
worker holds at most one chunk and is replaced every few dozen tasks (WeasyPrint keeps a little of every
document), so its memory stays flat as the bundle grows. A completeness gate compares
pages joined with pages rendered and every record with the index and the outline, and raises rather than
produce a bundle that silently lost a record.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from markupsafe import Markup

from rights.bundles import render

if TYPE_CHECKING:
    pass

# pikepdf and the joiner are imported where they are used, not here: the parent process only needs them
# after the workers have finished, so while the workers hold their peak it does not also hold pikepdf.

#: An exemption code as the front matter shows it (code, reference, meaning), as a plain dict: worker
#: processes unpickle what they are sent, and an ``ExemptionCode`` would make each of them import the whole
#: redaction package (its detectors and phone-number tables, about 10 MB per process) to print three strings.
CodeNote = dict[str, str]


def _code_notes(used: Sequence[str]) -> list[CodeNote]:
    from rights.redaction.codes import CODES  # the one table of codes; imported here, never in the workers

    return [{"code": c, "reference": CODES[c].reference, "meaning": CODES[c].meaning} for c in used]


@dataclass(frozen=True)
class Text:
    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class Redaction:
    """Removed text: only the code is known here; the box shows it."""

    code: str
    kind: Literal["redaction"] = "redaction"


@dataclass(frozen=True)
class Html:
    """An imported email's HTML part; sanitised (nh3) before it reaches WeasyPrint."""

    html: str
    kind: Literal["html"] = "html"

    @property
    def clean(self) -> Markup:
        """Markup only after nh3 has reduced it to inert formatting: the one place HTML is trusted."""
        return Markup(render.sanitise_email_html(self.html))  # noqa: S704 - sanitised just above


Segment = Text | Redaction | Html


@dataclass(frozen=True)
class BundleRecord:
    key: str
    service: str  # the service's label, as the requester should read it
    date: date
    title: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class WithheldRecord:
    key: str
    service: str
    date: date
    title: str
    code: str


@dataclass(frozen=True)
class BundleMeta:
    reference: str
    council_name: str
    prepared_on: date
    large_print: bool = False
    draft: bool = True
    pdf_a: bool = False
    title: str = "Your information: disclosure bundle"


@dataclass(frozen=True)
class IndexEntry:
    key: str
    anchor: str
    service: str
    date: date
    title: str
    first_page: int
    last_page: int

    @property
    def pages(self) -> str:
        return str(self.first_page) if self.first_page == self.last_page else f"{self.first_page}–{self.last_page}"


@dataclass
class BundleResult:
    path: Path
    pages: int
    front_pages: int
    entries: list[IndexEntry]
    withheld: list[WithheldRecord]
    codes_used: list[str]
    chunks: int = 0
    chunk_pages: list[int] = field(default_factory=list)


class BundleError(RuntimeError):
    """The bundle is incomplete or inconsistent; the message says what is missing."""


def order(records: Sequence[BundleRecord]) -> list[BundleRecord]:
    """Group by service (in order of first appearance), then date, then key: one order for pages and index."""
    rank: dict[str, int] = {}
    for r in records:
        rank.setdefault(r.service, len(rank))
    return sorted(records, key=lambda r: (rank[r.service], r.date, r.key))


def codes_used(records: Sequence[BundleRecord], withheld: Sequence[WithheldRecord]) -> list[str]:
    from rights.redaction.codes import CODES

    used = {s.code for r in records for s in r.segments if isinstance(s, Redaction)} | {w.code for w in withheld}
    unknown = sorted(used - CODES.keys())
    if unknown:
        raise BundleError(f"unknown exemption code(s): {', '.join(unknown)}")
    return sorted(used)


def _check_input(records: Sequence[BundleRecord], withheld: Sequence[WithheldRecord]) -> None:
    keys = [r.key for r in records] + [w.key for w in withheld]
    if len(set(keys)) != len(keys):
        raise BundleError("a record appears twice (disclosed and withheld, or twice in one list)")
    if not records and not withheld:
        raise BundleError("nothing to put in the bundle")


def chunk(records: Sequence[BundleRecord], max_chars: int) -> list[list[tuple[str, BundleRecord]]]:
    """Contiguous runs of (anchor, record) of about ``max_chars`` of text each (a long record stays whole)."""
    chunks: list[list[tuple[str, BundleRecord]]] = []
    current: list[tuple[str, BundleRecord]] = []
    size = 0
    for i, r in enumerate(records):
        n = 400 + sum(len(getattr(s, "text", "") or getattr(s, "html", "")) + 8 for s in r.segments)
        if current and size + n > max_chars:
            chunks.append(current)
            current, size = [], 0
        current.append((f"r{i}", r))
        size += n
    if current:
        chunks.append(current)
    return chunks


# ----------------------------------------------------------------------------- worker tasks (pickled by name)

#: Index rows per front-matter slice (about 5 pages). WeasyPrint's tables are costly to lay out: a 400-row
#: slice lifted a worker's peak by about 20 MB, 100 rows by nothing measurable over a chunk of records.
INDEX_ROWS = 100

def _render_chunk(meta: BundleMeta, records: list[tuple[str, BundleRecord]], target: str,
                  seconds: int) -> tuple[int, dict[str, int], dict[str, int]]:
    """Render one chunk to ``target``; returns its page count and each record's first and last page (0-based)."""
    html = render.render_template("bundle_records.html", {"meta": meta, "records": records})
    with render.deadline(seconds):
        doc = render.document(html)
        first: dict[str, int] = {}
        for number, page in enumerate(doc.pages):
            for anchor in page.anchors:
                first.setdefault(anchor, number)
        pages = len(doc.pages)
        render.write(doc, target, pdf_a=meta.pdf_a)
    del doc
    render.release_memory()
    anchors = [a for a, _r in records]
    missing = [a for a in anchors if a not in first]
    if missing:
        raise BundleError(f"{len(missing)} record(s) did not reach the rendered pages")
    last = {a: (first[anchors[i + 1]] - 1 if i + 1 < len(anchors) else pages - 1) for i, a in enumerate(anchors)}
    return pages, first, last


def _render_front(meta: BundleMeta, entries: list[IndexEntry], withheld: list[WithheldRecord],
                  codes: list[CodeNote], target: str, seconds: int, first: bool, last: bool) -> int:
    """One slice of the front matter: the cover and the index heading on the first, the withheld records and
    the codes on the last. Sliced because a 10,000-page bundle's index is a 200-page table, which WeasyPrint
    would lay out in one piece (half a gigabyte, on one core)."""
    html = render.render_template("bundle_front.html", {"meta": meta, "entries": entries, "withheld": withheld,
                                                        "codes": codes, "first": first, "last": last})
    with render.deadline(seconds):
        doc = render.document(html)
        render.write(doc, target, pdf_a=meta.pdf_a)
        pages = len(doc.pages)
    del doc
    render.release_memory()
    return pages


def _finish(meta: BundleMeta, part: str, first_page: int, total: int, target: str, seconds: int) -> int:
    """Lay the footers (pages first_page.. of total) and DRAFT mark over a rendered part, drop each page's
    unused resources, and write ``target``. Done in the workers so the parent only concatenates slim pages."""
    import pikepdf

    with pikepdf.open(part) as pdf:
        count = len(pdf.pages)
        html = render.render_template("bundle_overlay.html", {
            "meta": meta, "start": first_page, "count": count, "total": int(total)})
        overlay_path = target + ".overlay.pdf"
        with render.deadline(seconds):
            doc = render.document(html)
            if len(doc.pages) != count:
                raise BundleError("footer pages do not match the bundle's pages")
            render.write(doc, overlay_path, pdf_a=meta.pdf_a)
        del doc
        with pikepdf.open(overlay_path) as overlay:
            for page, over in zip(pdf.pages, overlay.pages, strict=True):
                page.add_overlay(over)
            pdf.remove_unreferenced_resources()
            pdf.save(target, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    Path(overlay_path).unlink()
    Path(part).unlink()
    render.release_memory()
    return count


# ------------------------------------------------------------------------------------------------- pipeline

def render_bundle(meta: BundleMeta, records: Sequence[BundleRecord], withheld: Sequence[WithheldRecord],
                  target: str | Path, limits: render.RenderLimits | None = None, *,
                  max_chunk_chars: int = 120_000, workdir: str | Path | None = None) -> BundleResult:
    """Render the bundle to ``target`` (a path); chunks render in ``limits.workers`` processes.

    Raises :class:`BundleError` if the result is incomplete, :class:`render.RenderError` if a worker failed.
    """
    limits = limits or render.RenderLimits()
    _check_input(records, withheld)
    ordered = order(records)
    withheld_sorted = sorted(withheld, key=lambda w: (w.service, w.date, w.key))
    codes = _code_notes(codes_used(ordered, withheld_sorted))
    chunks = chunk(ordered, max_chunk_chars)
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="bundle-", dir=workdir) as tmp:
        try:
            parts, entries, front_pages, chunk_pages = _render_parts(
                meta, chunks, withheld_sorted, codes, Path(tmp), _Batches(limits), limits)
        except (BundleError, render.RenderError):
            raise
        except Exception as exc:  # a worker killed by the kernel (memory), or WeasyPrint failing on input
            raise render.RenderError(f"bundle rendering failed: {type(exc).__name__}: {exc}") from None
        total = front_pages + sum(chunk_pages)
        _join(meta, parts, entries, target)
    _gate(target, total, entries)
    return BundleResult(path=target, pages=total, front_pages=front_pages, entries=entries, withheld=withheld_sorted,
                        codes_used=[c["code"] for c in codes], chunks=len(chunks), chunk_pages=chunk_pages)


#: Tasks each worker runs before it is replaced by a fresh one. WeasyPrint (through Pango and fontconfig)
#: keeps some memory from every document it lays out, so a worker that rendered all 500-odd tasks of a
#: 10,000-page bundle grew from about 95 MB to about 200 MB; fresh workers every 50 tasks keep the peak flat,
#: for a couple of seconds' start-up each. (The pool's own ``max_tasks_per_child`` hangs on Python 3.11.)
TASKS_PER_WORKER = 50


class _Batches:
    """Runs tasks in a pool of ``limits.workers`` processes that is replaced every TASKS_PER_WORKER tasks
    per worker; each batch's pool is closed before the next starts, and before the join."""

    def __init__(self, limits: render.RenderLimits) -> None:
        self.limits = limits

    def run(self, calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
        size = TASKS_PER_WORKER * self.limits.workers
        wait = self.limits.seconds + 30
        results: list[Any] = []
        for start in range(0, len(calls), size):
            batch = calls[start:start + size]
            with render.pool(self.limits, workers=min(self.limits.workers, len(batch))) as executor:
                futures: list[Future] = [executor.submit(fn, *args) for fn, args in batch]
                results.extend(f.result(timeout=wait * len(batch)) for f in futures)
        return results


def _render_parts(meta: BundleMeta, chunks: list[list[tuple[str, BundleRecord]]], withheld: list[WithheldRecord],
                  codes: list[CodeNote], tmp: Path, executor: _Batches,
                  limits: render.RenderLimits) -> tuple[list[str], list[IndexEntry], int, list[int]]:
    """Render chunks, then the front matter, then stamp every part; returns the finished parts in order."""
    run = executor.run
    results = run([(_render_chunk, (meta, c, str(tmp / f"chunk{i}.pdf"), limits.seconds))
                   for i, c in enumerate(chunks)])
    chunk_pages = [pages for pages, _first, _last in results]

    # Front matter: its length moves every record's page number, so lay it out until it is stable.
    def entries_at(offset: int) -> list[IndexEntry]:
        out: list[IndexEntry] = []
        base = offset
        for records, (pages, first, last) in zip(chunks, results, strict=True):
            out.extend(IndexEntry(r.key, a, r.service, r.date, r.title, base + first[a] + 1, base + last[a] + 1)
                       for a, r in records)
            base += pages
        return out

    # Front matter: its length moves every record's page number. Its slices are laid out once to count their
    # pages, then again with the real numbers; the numbers do not change the layout, which is checked.
    n_records = sum(len(c) for c in chunks)
    bounds = list(range(0, n_records, INDEX_ROWS)) or [0]
    front_paths = [str(tmp / f"front{i}.pdf") for i in range(len(bounds))]

    def render_front(entries: list[IndexEntry]) -> list[int]:
        return run([(_render_front, (meta, entries[b:b + INDEX_ROWS], withheld, codes, path, limits.seconds,
                                     i == 0, i == len(bounds) - 1))
                    for i, (b, path) in enumerate(zip(bounds, front_paths, strict=True))])

    front_counts = render_front(entries_at(0))
    front_pages = sum(front_counts)
    entries = entries_at(front_pages)
    if render_front(entries) != front_counts:
        raise BundleError("the index's length changed with its page numbers; cannot number the pages")
    total = front_pages + sum(chunk_pages)

    parts = front_paths + [str(tmp / f"chunk{i}.pdf") for i in range(len(chunks))]
    starts = [1]
    for pages in [*front_counts, *chunk_pages][:-1]:
        starts.append(starts[-1] + pages)
    finished = run([(_finish, (meta, part, start, total, part + ".done.pdf", limits.seconds))
                    for part, start in zip(parts, starts, strict=True)])
    if finished != [*front_counts, *chunk_pages]:
        raise BundleError("pages finished do not match pages rendered")
    return [p + ".done.pdf" for p in parts], entries, front_pages, chunk_pages


def _join(meta: BundleMeta, parts: list[str], entries: list[IndexEntry], target: Path) -> None:
    """Stream the finished parts into ``target`` with bookmarks (service, then record) and metadata that name
    the document and the reference only: never the requester or a record."""
    from rights.bundles import pdfjoin

    marks = [pdfjoin.Bookmark("Cover and index", 0)]
    by_service: dict[str, pdfjoin.Bookmark] = {}
    for e in entries:
        if e.service not in by_service:
            by_service[e.service] = pdfjoin.Bookmark(e.service, e.first_page - 1)
            marks.append(by_service[e.service])
        by_service[e.service].children.append(pdfjoin.Bookmark(_mark(e), e.first_page - 1))
    title = meta.title + (" (DRAFT)" if meta.draft else "")
    subject = f"Response to information rights request {meta.reference}"
    keywords = f"disclosure bundle, {meta.reference}"
    pdfjoin.join(parts, target, bookmarks=marks,
                 info={"Title": title, "Subject": subject, "Keywords": keywords, "Author": meta.council_name,
                       "Producer": "Rights Desk"},
                 xmp=pdfjoin.xmp_packet(title, subject, keywords, meta.council_name, pdf_a=meta.pdf_a),
                 output_intents_from_first=meta.pdf_a)


def _mark(e: IndexEntry) -> str:
    return f"{e.title} ({e.date.isoformat()})"


def _gate(target: Path, total: int, entries: list[IndexEntry]) -> None:
    """Completeness: pages joined equal pages rendered; every record in the outline at its index page."""
    import pikepdf  # here, not at the top: the render workers import this module and never need it

    from rights.bundles.outline import outline_entries

    with pikepdf.open(target) as pdf:
        if len(pdf.pages) != total:
            raise BundleError(f"joined {len(pdf.pages)} pages but rendered {total}")
        found = outline_entries(pdf)
    expected = [(_mark(e), e.first_page - 1) for e in entries]
    bookmarked = [(title, page) for title, page, level in found if level == 2]
    if bookmarked != expected:
        raise BundleError(f"the bookmarks do not match the index ({len(bookmarked)} bookmarked, "
                          f"{len(expected)} in the index)")
    if entries and not (entries[-1].last_page == total and all(1 <= e.first_page <= total for e in entries)):
        raise BundleError("index page numbers fall outside the bundle")



def one_pass_html(meta: BundleMeta, records: Sequence[BundleRecord], withheld: Sequence[WithheldRecord]) -> str:
    """The same bundle as a single HTML document (index pages by target-counter): the benchmark's baseline."""
    ordered = order(records)
    entries = [IndexEntry(r.key, f"r{i}", r.service, r.date, r.title, 0, 0) for i, r in enumerate(ordered)]
    codes = _code_notes(codes_used(ordered, withheld))
    return render.render_template("bundle_one_pass.html", {
        "meta": meta, "entries": entries, "withheld": list(withheld), "codes": codes,
        "records": [(f"r{i}", r) for i, r in enumerate(ordered)]})

