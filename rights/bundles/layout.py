"""What a render worker process runs: WeasyPrint behind the locked URL fetcher, and nothing else of the app.

Why a module of its own: every render worker imports what the tasks it runs are defined in, and a bundle's
memory is the sum over its processes. The templates (Jinja), the email sanitiser (nh3), the settings and
the bundle's dataclasses stay in the process that drives the render (:mod:`.render`, :mod:`.bundle`), which
writes each part's HTML to a file; a worker only lays HTML out and writes the PDF. So this module imports
the standard library and, when first used, WeasyPrint: never the rest of ``rights``.

The worker's side of the pool is here too (:func:`serve`): read a pickled ``(function, args)`` from a pipe,
run it under the render limits, write the pickled result back (see ``render.Workers`` for why a pool of
plain subprocesses rather than ``multiprocessing``).

Why the fetcher is strict: bundles carry text copied from case records and imported emails, which anyone
may have written, and WeasyPrint follows URLs it finds in HTML and CSS (``<link rel="attachment">`` even
embeds the target file into the PDF). The fetcher serves only files from the packaged asset directory
(``rights-asset:NAME``) and the redacted pages of scans the driving process wrote for that one document
(``rights-scan:NAME``, from the folder the task names), and refuses every other URL, whatever the scheme.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import pickle
import re
import resource
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The packaged PDF assets (stylesheets, images): the only files a PDF may use. Located from this file, not
#: from the settings, so a worker does not import them (``rights.config.ROOT`` is the same directory's root).
ASSET_DIR = Path(__file__).resolve().parents[2] / "templates" / "pdf" / "assets"
ASSET_SCHEME = "rights-asset:"
#: A scan's page, painted out where an officer marked regions, written beside the part's HTML by the driver.
SCAN_SCHEME = "rights-scan:"
_SCAN_NAME = re.compile(r"[A-Za-z0-9_]+-[0-9]+")
_ASSET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.(css|png|svg)")
_ASSET_TYPES = {"css": "text/css", "png": "image/png", "svg": "image/svg+xml"}


class RenderError(RuntimeError):
    """A PDF could not be rendered (timeout, memory limit, or a WeasyPrint failure); the message says which."""


def _asset_response(url: str) -> Any:
    from weasyprint.urls import URLFetcherResponse

    name = url[len(ASSET_SCHEME):].lstrip("/")
    if not _ASSET_NAME.fullmatch(name):
        raise ValueError(f"refused asset name {name!r}")
    path = (ASSET_DIR / name).resolve()
    if path.parent != ASSET_DIR.resolve() or not path.is_file():
        raise ValueError(f"no packaged asset {name!r}")
    return URLFetcherResponse(url, body=path.read_bytes(),
                              headers={"Content-Type": _ASSET_TYPES[name.rsplit(".", 1)[1]]})


@functools.cache
def _fetcher_class() -> type:
    """Built on first use so importing this module does not import WeasyPrint (the web app imports it)."""
    from weasyprint.urls import URLFetcher

    class LockedFetcher(URLFetcher):
        """Serves ``rights-asset:`` files from ASSET_DIR and ``rights-scan:`` page images from this document's
        own scan folder; refuses every other URL without opening it."""

        def __init__(self, scans: str | None = None) -> None:
            super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []
            self.scans = scans

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(ASSET_SCHEME):
                return _asset_response(url)
            if url.startswith(SCAN_SCHEME) and self.scans is not None:
                return _scan_response(url, Path(self.scans))
            self.refused.append(url[:200])
            raise ValueError("URL refused: PDFs may use only packaged assets")

    return LockedFetcher


def _scan_response(url: str, folder: Path) -> Any:
    """A scan's page, already redacted, that the driving process wrote for this one document."""
    from weasyprint.urls import URLFetcherResponse

    name = url[len(SCAN_SCHEME):]
    if not _SCAN_NAME.fullmatch(name):
        raise ValueError(f"refused scan page name {name[:40]!r}")
    path = (folder / f"{name}.png").resolve()
    if path.parent != folder.resolve() or not path.is_file():
        raise ValueError(f"no scan page {name!r}")
    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": "image/png"})


def locked_fetcher(scans: str | None = None) -> Any:
    """The fetcher for one document; ``scans`` is the folder of the scan pages it may show, if any."""
    return _fetcher_class()(scans)


_fonts = threading.local()


def font_config() -> Any:
    """This thread's WeasyPrint font configuration, made once and used for every document it lays out.

    Why one: WeasyPrint otherwise makes a new one per document, and each loads fontconfig's configuration
    and font list again and keeps a little of it for good. A render worker lays out dozens of chunks, and
    with a configuration per chunk it grew by about a megabyte every two; with one it stays flat. Per thread
    because Pango's font maps are not safe to share between threads. Our stylesheets have no ``@font-face``
    (only installed fonts), so nothing a document brings is kept for the next."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def document(html: str, *, extra_css: str = "", scans: str | None = None) -> Any:
    """Lay ``html`` out (in this process) with the locked fetcher; returns a WeasyPrint Document.

    ``scans``: the folder of scan pages (``ANCHOR-N.png``) the document may show as ``rights-scan:ANCHOR-N``.
    """
    from weasyprint import CSS, HTML

    fetcher = locked_fetcher(scans)
    fonts = font_config()
    stylesheets = [CSS(string=extra_css, url_fetcher=fetcher, font_config=fonts)] if extra_css else []
    return HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        stylesheets=stylesheets, presentational_hints=False, font_config=fonts)


def write(doc: Any, target: str | Path | io.BytesIO, *, pdf_a: bool = False) -> None:
    doc.write_pdf(target if isinstance(target, io.BytesIO) else str(target),
                  pdf_variant="pdf/a-2b" if pdf_a else None, uncompressed_pdf=False)


# ---------------------------------------------------------------------------------------------- limits

def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space, so a runaway render gets MemoryError, not the machine."""
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Timeout


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Wall-time limit inside a worker (SIGALRM; workers run tasks on their main thread)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    except _Timeout:
        raise RenderError(f"rendering took longer than {seconds} seconds") from None
    except MemoryError:
        raise RenderError("rendering needed more memory than the render limit allows") from None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def release_memory() -> None:
    """After a task: hand freed heap back to the OS, so a long-lived worker does not grow chunk after chunk."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# ---------------------------------------------------------------------------------------------- tasks

def lay_out(html_path: str, target: str | None, seconds: int, pdf_a: bool = False,
            anchors: Sequence[str] = (), scans: str | None = None) -> tuple[int, dict[str, int]]:
    """Lay out the HTML in ``html_path`` and write it to ``target`` as PDF (None: only count its pages);
    returns its page count and the 0-based page each of ``anchors`` first appears on (absent if it never
    does: the caller decides what a missing anchor means). ``scans``: the folder of its scans' pages."""
    html = Path(html_path).read_text(encoding="utf-8")
    wanted = set(anchors)
    first: dict[str, int] = {}
    with deadline(seconds):
        doc = document(html, scans=scans)
        del html
        for number, page in enumerate(doc.pages):
            for anchor in page.anchors:
                if anchor in wanted:
                    first.setdefault(anchor, number)
        pages = len(doc.pages)
        if target is not None:
            write(doc, target, pdf_a=pdf_a)
    del doc
    release_memory()
    return pages, first


def pdf_bytes(html: str, pdf_a: bool, seconds: int) -> bytes:
    """One small document (a letter) as PDF bytes."""
    with deadline(seconds):
        buffer = io.BytesIO()
        write(document(html), buffer, pdf_a=pdf_a)
    release_memory()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- the worker

def _defer_import(name: str) -> None:
    """Import module ``name`` lazily: its code runs the first time one of its attributes is used.

    For ``fontTools.subset`` in a worker: WeasyPrint imports it (and, through it, lxml) at start-up but uses
    it only to subset fonts when HarfBuzz's subsetter is missing, which it never is here; deferred, each
    worker is about 1.5 MB smaller, and where HarfBuzz's subsetter is missing the module loads on first use
    as it would have at start-up (the standard library's ``importlib.util.LazyLoader``)."""
    import importlib.util

    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def serve(read_fd: int, write_fd: int, memory_mb: int) -> None:
    """A render worker's life: limits first, WeasyPrint and the fonts loaded while the parent prepares the
    first task, then one task at a time until the parent closes the pipe.

    A task is a pickled ``(function, args)``; the answer a pickled ``(True, result)`` or ``(False,
    exception)`` (a :class:`RenderError` naming the original if that cannot be pickled)."""
    limit_memory(memory_mb)
    _defer_import("fontTools.subset")
    font_config()
    with os.fdopen(read_fd, "rb") as tasks, os.fdopen(write_fd, "wb") as answers:
        while True:
            try:
                fn, args = pickle.load(tasks)  # noqa: S301 - from the parent that started this process
            except EOFError:
                return
            try:
                answer: tuple[bool, Any] = (True, fn(*args))
            except BaseException as exc:  # every failure goes back to the parent to raise
                answer = (False, exc)
            try:
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that cannot be pickled: say what it was
                error = answer[1]
                data = pickle.dumps((False, RenderError(f"rendering failed: {type(error).__name__}: {error}")))
            answers.write(data)
            answers.flush()

