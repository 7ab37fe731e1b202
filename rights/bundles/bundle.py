"""The disclosure bundle: what a requester receives, rendered from decided records (plain dataclasses).

Shape: a cover sheet; an index (document, service, date, pages) followed by the records withheld in full (with
their code) and the meaning of every code used; then each record on a new page under a header (service, date,
title). A redaction is a :class:`Redaction` carrying only its code: the original text is never given to this
module, so it cannot reach the HTML, the PDF or its text layer. Every page has the council, the reference and
"Page n of N" in its footer, and "DRAFT" across it until the version is approved. Bookmarks go by service,
then record. Records are grouped by service (in order of first appearance), then by date, so that the index,
the pages and the bookmarks follow one order.

Why chunked: a care leaver's file can run to 10,000 pages, and WeasyPrint lays a whole document out in
memory (several GB at that size) on one core. So the records are spilled to a temporary file as they come
(:mod:`.parts`: this process keeps only what orders them and fills the index), cut into contiguous chunks and
rendered in parallel worker processes (each under the render limits) straight to temporary files; the front
matter is rendered once the chunks' page counts are known (so the index can give real pages). Every page is
laid out once: the footers, which need the bundle-wide page numbers, are stamped with pikepdf from a small
stamp sheet (:mod:`.stamp`) as the parts are streamed into one file (``pdfjoin``) part by part, so the
joining process does not grow with the page count either. Each worker holds at most one chunk and is
replaced every few dozen tasks (WeasyPrint keeps a little of every document), so its memory stays flat as
the bundle grows. A completeness gate compares pages joined with pages rendered and every record with the
index and the outline, and raises rather than produce a bundle that silently lost a record.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from markupsafe import Markup

from rights.bundles import render

if TYPE_CHECKING:
    from rights.bundles.parts import Held

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
    #: A scan's pages as PNGs with its regions already painted into the pixels (rights.redaction.scans), shown
    #: after the header in place of text; ``page_codes`` are the codes those regions bear.
    pages: tuple[bytes, ...] = ()
    page_codes: tuple[str, ...] = ()


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


class _Ordered(Protocol):
    key: str
    service: str
    date: date


_T = TypeVar("_T", bound=_Ordered)


def order(records: Sequence[_T]) -> list[_T]:
    """Group by service (in order of first appearance), then date, then key: one order for pages and index."""
    rank: dict[str, int] = {}
    for r in records:
        rank.setdefault(r.service, len(rank))
    return sorted(records, key=lambda r: (rank[r.service], r.date, r.key))


def record_codes(record: BundleRecord) -> set[str]:
    """The codes a record's boxes show: its text redactions' and its scan regions'."""
    return {s.code for s in record.segments if isinstance(s, Redaction)} | set(record.page_codes)


def codes_used(used: Iterable[str], withheld: Sequence[WithheldRecord]) -> list[str]:
    """Every code the bundle shows (redaction boxes and withheld records), all known to the codes table."""
    from rights.redaction.codes import CODES

    found = set(used) | {w.code for w in withheld}
    unknown = sorted(found - CODES.keys())
    if unknown:
        raise BundleError(f"unknown exemption code(s): {', '.join(unknown)}")
    return sorted(found)


def _check_input(keys: list[str], withheld: Sequence[WithheldRecord]) -> None:
    keys = keys + [w.key for w in withheld]
    if len(set(keys)) != len(keys):
        raise BundleError("a record appears twice (disclosed and withheld, or twice in one list)")
    if not keys:
        raise BundleError("nothing to put in the bundle")


def chunk(held: Sequence[Held], max_chars: int) -> list[list[tuple[str, Held]]]:
    """Contiguous runs of (anchor, record) of about ``max_chars`` of text each (a long record stays whole)."""
    chunks: list[list[tuple[str, Held]]] = []
    current: list[tuple[str, Held]] = []
    size = 0
    for i, h in enumerate(held):
        if current and size + h.size > max_chars:
            chunks.append(current)
            current, size = [], 0
        current.append((f"r{i}", h))
        size += h.size
    if current:
        chunks.append(current)
    return chunks


#: Index rows per front-matter slice (about 3 pages). WeasyPrint's tables are costly to lay out: a 400-row
#: slice lifted a worker's peak by about 20 MB; 100 rows reached about 4 MB above a chunk of records of
#: :data:`CHUNK_CHARS`, 60 rows no more than one (measured at 2,000 pages), for about a tenth more work on the
#: index than 100-row slices.
INDEX_ROWS = 60

#: Characters of record text per chunk (about 22 pages): what one worker lays out at once. A worker's peak
#: is its WeasyPrint (about 55 MB) plus what the chunk it lays out holds; 120,000-character chunks (about 45
#: pages) peaked about 5 MB higher per worker than 60,000 at 2,000 pages, with the same CPU time within the
#: noise of the machine they were measured on.
CHUNK_CHARS = 60_000


# ------------------------------------------------------------------------------------------------- pipeline

def render_bundle(meta: BundleMeta, records: Iterable[BundleRecord], withheld: Sequence[WithheldRecord],
                  target: str | Path, limits: render.RenderLimits | None = None, *,
                  max_chunk_chars: int = CHUNK_CHARS, workdir: str | Path | None = None,
                  progress: Callable[[int, int], None] | None = None) -> BundleResult:
    """Render the bundle to ``target`` (a path); chunks render in ``limits.workers`` processes.

    ``progress(done, total)`` is called as steps finish (tasks rendered, then parts joined), for a job to
    report how far a long bundle has come.

    ``records`` may be a generator: each is spilled to a temporary file as it comes (:mod:`.parts`), so this
    process holds only their headers while the workers render. Raises :class:`BundleError` if the result is
    incomplete, :class:`render.RenderError` if a worker failed.
    """
    from rights.bundles import parts

    limits = limits or render.RenderLimits()
    withheld_sorted = sorted(withheld, key=lambda w: (w.service, w.date, w.key))
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="bundle-", dir=workdir) as tmp:
        spilled = Path(tmp) / "records.pickle"
        with open(spilled, "wb") as fh:
            held, used = parts.spill(records, fh)
        _check_input([h.key for h in held], withheld_sorted)
        codes = _code_notes(codes_used(used, withheld_sorted))
        chunks = chunk(order(held), max_chunk_chars)
        slices = -(-len(held) // INDEX_ROWS) or 1
        del held
        steps = _Steps(len(chunks) + 1 + 3 * slices + len(chunks), progress)
        try:
            with render.Workers(limits, TASKS_PER_WORKER) as workers:
                rendered, entries, front_pages, chunk_pages = _render_parts(
                    meta, chunks, spilled, withheld_sorted, codes, Path(tmp), workers, limits, steps.step)
        except (BundleError, render.RenderError):
            raise
        except Exception as exc:  # a worker killed by the kernel (memory), or WeasyPrint failing on input
            raise render.RenderError(f"bundle rendering failed: {type(exc).__name__}: {exc}") from None
        total = front_pages + sum(chunk_pages)
        _join(meta, rendered, entries, target, Path(tmp) / "stamp.pdf", total, steps.step)
    _gate(target, total, entries)
    return BundleResult(path=target, pages=total, front_pages=front_pages, entries=entries, withheld=withheld_sorted,
                        codes_used=[c["code"] for c in codes], chunks=len(chunks), chunk_pages=chunk_pages)


class _Steps:
    """Counts finished steps for a ``progress(done, total)`` callback (none: counting only)."""

    def __init__(self, total: int, callback: Callable[[int, int], None] | None) -> None:
        self.total, self.done, self.callback = total, 0, callback

    def step(self) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(min(self.done, self.total), self.total)


#: Tasks each worker runs before it is replaced by a fresh one. WeasyPrint (through Pango and fontconfig)
#: keeps some memory from every document it lays out, so a worker that rendered all 500-odd tasks of a
#: 10,000-page bundle grew from about 95 MB to about 200 MB; fresh workers every 50 tasks keep the peak flat,
#: for a couple of seconds' start-up each.
TASKS_PER_WORKER = 50


#: Layouts of the front matter tried before giving up on numbering its index (see :func:`settle_front`).
FRONT_TRIES = 4


def settle_front(counts: list[int], lay_out: Callable[[int], tuple[list[int], list[IndexEntry]]],
                 tries: int = FRONT_TRIES) -> tuple[list[int], list[IndexEntry]]:
    """Find the front matter's page counts that stay the same once its index carries the numbers they imply.

    Why a loop: the index gives every record's pages, which start after the front matter; wider numbers
    ("8,512-8,519" rather than "0") can wrap an index row, the front matter grows by a page, and every
    number moves again. ``counts`` are the slices' pages laid out with placeholder numbers; ``lay_out(n)``
    lays the slices out with the numbers for ``n`` front pages and returns their counts and entries. Widths
    only grow with the numbers, so this settles in one or two more layouts; one that never settles is an
    error, never a bundle whose index points at the wrong pages.
    """
    for _ in range(tries):
        again, entries = lay_out(sum(counts))
        if again == counts:
            return counts, entries
        counts = again
    raise BundleError("the index's length changed with its page numbers; cannot number the pages")


def _render_parts(meta: BundleMeta, chunks: list[list[tuple[str, Held]]], spilled: Path,
                  withheld: list[WithheldRecord], codes: list[CodeNote], tmp: Path, workers: render.Workers,
                  limits: render.RenderLimits,
                  step: Callable[[], None]) -> tuple[list[str], list[IndexEntry], int, list[int]]:
    """Render the chunks, the stamp sheet and the front matter; returns the rendered parts in order.

    The front matter's length moves every record's page number, so its slices are laid out once (with the
    chunks, which they do not depend on) only to count their pages, then again with the real numbers, and
    written, until the count holds (:func:`settle_front`)."""
    from rights.bundles import layout, parts

    n_records = sum(len(c) for c in chunks)
    bounds = list(range(0, n_records, INDEX_ROWS)) or [0]
    front_paths = [str(tmp / f"front{i}.pdf") for i in range(len(bounds))]
    workers.start(len(chunks) + 1 + len(bounds))  # they load WeasyPrint while the HTML below is written

    def front_calls(entries: list[IndexEntry], *, count_only: bool = False,
                    ) -> list[tuple[Callable[..., Any], tuple[Any, ...]]]:
        html = [parts.save(parts.front_html(meta, entries[b:b + INDEX_ROWS], withheld, codes, i == 0,
                                            i == len(bounds) - 1), tmp / f"front{i}.html")
                for i, b in enumerate(bounds)]
        return [(layout.lay_out, (h, None if count_only else path, limits.seconds, meta.pdf_a))
                for h, path in zip(html, front_paths, strict=True)]

    unnumbered = [IndexEntry(r.key, a, r.service, r.date, r.title, 0, 0) for c in chunks for a, r in c]
    chunk_calls = []
    for i, c in enumerate(chunks):
        images = tmp / f"chunk{i}-scans"
        html, scanned = parts.chunk_html(meta, str(spilled), [(a, h.offset, h.length) for a, h in c], images)
        chunk_calls.append((layout.lay_out, (parts.save(html, tmp / f"chunk{i}.html"), str(tmp / f"chunk{i}.pdf"),
                                             limits.seconds, meta.pdf_a, [a for a, _h in c],
                                             str(images) if scanned else None)))
        del html
    sheet = (layout.lay_out, (parts.save(parts.sheet_html(meta), tmp / "stamp.html"), str(tmp / "stamp.pdf"),
                              limits.seconds, meta.pdf_a))
    results = workers.run([*chunk_calls, sheet, *front_calls(unnumbered, count_only=True)], step)
    chunk_results = [(pages, *parts.pages_of([a for a, _h in c], pages, first))
                     for c, (pages, first) in zip(chunks, results[:len(chunks)], strict=True)]
    front_counts = [pages for pages, _first in results[len(chunks) + 1:]]
    chunk_pages = [pages for pages, _first, _last in chunk_results]

    def numbered(front_pages: int) -> list[IndexEntry]:
        entries: list[IndexEntry] = []
        base = front_pages
        for records, (pages, first, last) in zip(chunks, chunk_results, strict=True):
            entries.extend(IndexEntry(r.key, a, r.service, r.date, r.title, base + first[a] + 1,
                                      base + last[a] + 1) for a, r in records)
            base += pages
        return entries

    def lay_out(front_pages: int) -> tuple[list[int], list[IndexEntry]]:
        entries = numbered(front_pages)
        return [pages for pages, _first in workers.run(front_calls(entries), step)], entries

    counts, entries = settle_front(front_counts, lay_out)
    front_pages = sum(counts)
    return front_paths + [str(tmp / f"chunk{i}.pdf") for i in range(len(chunks))], entries, front_pages, chunk_pages


def _join(meta: BundleMeta, parts: list[str], entries: list[IndexEntry], target: Path, sheet: Path,
          total: int, step: Callable[[], None]) -> None:
    """Stream the rendered parts into ``target``, each page stamped with its footer as it passes (see
    :mod:`rights.bundles.stamp`), with bookmarks (service, then record) and metadata that name the document
    and the reference only: never the requester or a record."""
    from rights.bundles import pdfjoin, stamp

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
    stamper = stamp.Stamper(sheet, total)

    def each_part(pdf: Any, first: int) -> None:
        stamper.stamp(pdf, first)
        step()
    try:
        pdfjoin.join(parts, target, bookmarks=marks,
                     info={"Title": title, "Subject": subject, "Keywords": keywords, "Author": meta.council_name,
                           "Producer": "Rights Desk"},
                     xmp=pdfjoin.xmp_packet(title, subject, keywords, meta.council_name, pdf_a=meta.pdf_a),
                     output_intents_from_first=meta.pdf_a, each_part=each_part)
    except stamp.StampError as exc:
        raise BundleError(f"the footers could not be stamped: {exc}") from None
    finally:
        stamper.close()


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
