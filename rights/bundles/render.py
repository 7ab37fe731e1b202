"""Locked-down WeasyPrint: the one place Rights Desk turns HTML into PDF.

Why so strict: bundles carry text copied from case records and imported emails, which anyone (a parent, an
ex-partner, another agency) may have written. WeasyPrint follows URLs it finds in HTML and CSS (images,
stylesheets, ``<link rel="attachment">`` which embeds the target file into the PDF). Left at its defaults
a record saying ``<img src="file:///etc/passwd">`` or ``http://127.0.0.1:6379/`` would read local files or
reach internal services, and could put what it found into a citizen's PDF. So:

* the URL fetcher serves only files from the packaged asset directory (``rights-asset:NAME``) and the
  redacted page images of scans handed to that one document in memory (``rights-scan:NAME``), and refuses
  every other URL, whatever the scheme (file, http, https, data, ftp, ...);
* record text is escaped by Jinja autoescape, so it can never become markup;
* imported HTML (emails) is cleaned by nh3 to a short list of text-formatting tags with no attributes, so
  no ``img``, ``link``, ``style`` or ``url()`` survives;
* presentational hints are off (no HTML attributes acting as styles);
* rendering runs in separate worker processes under an address-space limit (RLIMIT_AS) and a wall-time
  alarm, so a hostile or enormous record fails one job with one clear error instead of exhausting a worker.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import re
import resource
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from rights import config

TEMPLATE_DIR = config.ROOT / "templates" / "pdf"
ASSET_DIR = TEMPLATE_DIR / "assets"
ASSET_SCHEME = "rights-asset:"
#: A scan's page image handed to the one document being laid out (never a file or a network address).
SCAN_SCHEME = "rights-scan:"
_ASSET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.(css|png|svg)")
_ASSET_TYPES = {"css": "text/css", "png": "image/png", "svg": "image/svg+xml"}

#: Tags an imported email may keep: text structure only. Anything else is dropped, keeping its text.
EMAIL_TAGS = frozenset({
    "p", "br", "div", "span", "b", "strong", "i", "em", "u", "ul", "ol", "li", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
})


class RenderError(RuntimeError):
    """A PDF could not be rendered (timeout, memory limit, or a WeasyPrint failure); the message says which."""


@dataclass(frozen=True)
class RenderLimits:
    """Per-process limits for rendering; from settings in production (``limits_from``)."""

    seconds: int = 300
    memory_mb: int = 2048
    workers: int = 1  # the product default; see config.Settings.bundle_workers


def limits_from(settings: config.Settings) -> RenderLimits:
    return RenderLimits(seconds=settings.render_timeout_seconds, memory_mb=settings.render_memory_mb,
                        workers=settings.bundle_workers)


def sanitise_email_html(html: str) -> str:
    """Imported email HTML reduced to inert text formatting: no attributes, links, images, styles or URLs."""
    return nh3.clean(html, tags=set(EMAIL_TAGS), attributes={}, url_schemes=set(), strip_comments=True,
                     link_rel=None, clean_content_tags={"script", "style", "title", "head"})


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
        """Serves ``rights-asset:`` files from ASSET_DIR and ``rights-scan:`` images handed to this document;
        refuses every other URL without opening it."""

        def __init__(self, images: dict[str, bytes] | None = None) -> None:
            super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []
            self.images = images or {}

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(ASSET_SCHEME):
                return _asset_response(url)
            if url.startswith(SCAN_SCHEME) and url[len(SCAN_SCHEME):] in self.images:
                from weasyprint.urls import URLFetcherResponse

                return URLFetcherResponse(url, body=self.images[url[len(SCAN_SCHEME):]],
                                          headers={"Content-Type": "image/png"})
            self.refused.append(url[:200])
            raise ValueError("URL refused: PDFs may use only packaged assets")

    return LockedFetcher


def locked_fetcher(images: dict[str, bytes] | None = None) -> Any:
    """The fetcher for one document; ``images`` are the scans' burned pages it may embed, by name."""
    return _fetcher_class()(images)


@functools.cache
def environment() -> Environment:
    """Jinja for PDF templates: autoescape always on (record text must never become markup)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), undefined=StrictUndefined,
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["long_date"] = _long_date
    env.filters["css_string"] = css_string
    return env


def css_string(value: object) -> Markup:
    """``value`` as a quoted CSS string with every character but letters, digits and spaces escaped, so text
    from configuration or a case can sit in a stylesheet (a margin box's ``content``) and never end the
    string, the rule or the ``<style>`` element (each escape ends with the one space CSS takes as its end, so
    a real space after it survives). Markup so autoescape leaves the escapes alone."""
    out = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06x} "
                  for ch in str(value))
    return Markup(f'"{out}"')  # noqa: S704 - every character outside [A-Za-z0-9 ] is escaped just above


def _long_date(value: Any) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def render_template(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(**context)


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


def document(html: str, *, extra_css: str = "", images: dict[str, bytes] | None = None) -> Any:
    """Lay ``html`` out (in this process) with the locked fetcher; returns a WeasyPrint Document.

    ``images``: PNGs the document may show as ``rights-scan:NAME`` (scans' pages, already redacted).
    """
    from weasyprint import CSS, HTML

    fetcher = locked_fetcher(images)
    fonts = font_config()
    stylesheets = [CSS(string=extra_css, url_fetcher=fetcher, font_config=fonts)] if extra_css else []
    return HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        stylesheets=stylesheets, presentational_hints=False, font_config=fonts)


def write(doc: Any, target: str | Path, *, pdf_a: bool = False) -> None:
    doc.write_pdf(str(target), pdf_variant="pdf/a-2b" if pdf_a else None, uncompressed_pdf=False)


# ---------------------------------------------------------------------------------------------- isolation

def _limit_worker(memory_mb: int) -> None:
    """Pool initializer: cap this worker's address space so a runaway render gets MemoryError, not the box."""
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


def _executor(limits: RenderLimits, workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool whose workers run under ``limits``.

    Spawn, not fork: the caller may be a threaded web or RQ process, and a forked copy of its locks and
    connections is not safe to render in. Spawn rather than forkserver because every process counts: a
    forkserver is one more resident interpreter for the life of the pool. Preloading WeasyPrint into it was
    measured (2,000 pages, two workers): the workers' private memory fell by about 20 MB each, but the
    forkserver's own share took it back, and the tree's proportional memory was the same (159 MB against
    160). A spawned worker starts as a bare interpreter and imports only what the task it unpickles needs."""
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers or limits.workers, mp_context=ctx,
                               initializer=_limit_worker, initargs=(limits.memory_mb,))


def _stop(executor: ProcessPoolExecutor, *, failed: bool) -> None:
    """Shut a pool down; after a failure, kill its workers first.

    Why kill: a worker that meets its memory limit can be left alive but stuck (a MemoryError inside a lock
    or while starting its result thread), and ``ProcessPoolExecutor.shutdown`` then waits for it for ever.
    A failed render must fail, not hang the job (or the request) that asked for it. The executor keeps its
    workers in a private mapping; there is no public way to stop a stuck one."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    if failed:
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()
    executor.shutdown(wait=not failed, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=10)


@contextmanager
def pool(limits: RenderLimits, workers: int | None = None) -> Iterator[ProcessPoolExecutor]:
    """A limited process pool for one piece of work (:func:`_executor`), stopped by :func:`_stop`."""
    executor = _executor(limits, workers)
    failed = True
    try:
        yield executor
        failed = False
    finally:
        _stop(executor, failed=failed)


class Workers:
    """One pool of ``limits.workers`` limited processes for every task of a job, replaced by a fresh pool once
    each worker has run ``tasks_per_worker`` tasks (WeasyPrint keeps a little of every document it lays out).

    One pool rather than one per batch of tasks: a spawned worker takes a second or two to start and load
    WeasyPrint and its fonts, which a bundle's several phases (records, front matter) would otherwise pay each
    time. Use as a context manager; the pool is shut down on leaving."""

    def __init__(self, limits: RenderLimits, tasks_per_worker: int) -> None:
        self.limits = limits
        self.capacity = tasks_per_worker * limits.workers
        self._pool: ProcessPoolExecutor | None = None
        self._used = 0

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        self.close(failed=exc_type is not None)

    def close(self, *, failed: bool = False) -> None:
        if self._pool is not None:
            _stop(self._pool, failed=failed)
            self._pool = None

    def run(self, calls: list[tuple[Any, tuple[Any, ...]]], on_done: Callable[[], None] | None = None) -> list[Any]:
        """Run ``(function, args)`` calls; results in the order given (``on_done`` after each). Raises what a
        task raised."""
        results: list[Any] = []
        done = 0
        while done < len(calls):
            if self._pool is None or self._used >= self.capacity:
                self.close()
                self._pool = _executor(self.limits, workers=min(self.limits.workers, len(calls) - done))
                self._used = 0
            batch = calls[done:done + self.capacity - self._used]
            futures = [self._pool.submit(fn, *args) for fn, args in batch]
            wait = (self.limits.seconds + 30) * len(batch)
            for future in futures:
                results.append(future.result(timeout=wait))
                if on_done is not None:
                    on_done()
            self._used += len(batch)
            done += len(batch)
        return results


def release_memory() -> None:
    """After a task: hand freed heap back to the OS, so a long-lived worker does not grow chunk after chunk
    (``max_tasks_per_child`` would recycle workers instead, but hangs the pool on Python 3.11)."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _render_task(html: str, pdf_a: bool, seconds: int) -> bytes:
    import io

    with deadline(seconds):
        buffer = io.BytesIO()
        document(html).write_pdf(buffer, pdf_variant="pdf/a-2b" if pdf_a else None)
        return buffer.getvalue()


def render_pdf(html: str, limits: RenderLimits | None = None, *, pdf_a: bool = False) -> bytes:
    """Render one small document (a letter) in a separate, limited process; returns the PDF bytes."""
    limits = limits or RenderLimits()
    with pool(limits, workers=1) as executor:
        future = executor.submit(_render_task, html, pdf_a, limits.seconds)
        try:
            return future.result(timeout=limits.seconds + 30)
        except RenderError:
            raise
        except Exception as exc:  # a worker killed by the kernel, or a WeasyPrint failure
            raise RenderError(f"rendering failed: {type(exc).__name__}: {exc}") from None
