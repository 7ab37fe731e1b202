"""Locked-down WeasyPrint: the one place Rights Desk turns HTML into PDF.

Why so strict: bundles carry text copied from case records and imported emails, which anyone (a parent, an
ex-partner, another agency) may have written. WeasyPrint follows URLs it finds in HTML and CSS (images,
stylesheets, ``<link rel="attachment">`` which embeds the target file into the PDF). Left at its defaults
a record saying ``<img src="file:///etc/passwd">`` or ``http://127.0.0.1:6379/`` would read local files or
reach internal services, and could put what it found into a citizen's PDF. So:

* the URL fetcher serves only files from the packaged asset directory (``rights-asset:NAME``) and refuses
  every other URL, whatever the scheme (file, http, https, data, ftp, ...);
* record text is escaped by Jinja autoescape, so it can never become markup;
* imported HTML (emails) is cleaned by nh3 to a short list of text-formatting tags with no attributes, so
  no ``img``, ``link``, ``style`` or ``url()`` survives;
* presentational hints are off (no HTML attributes acting as styles);
* rendering runs in separate worker processes under an address-space limit (RLIMIT_AS) and a wall-time
  alarm, so a hostile or enormous record fails one job with one clear error instead of exhausting a worker.

The fetcher and what runs inside a worker are in :mod:`.layout`; this module renders templates and runs the
workers (:class:`Workers`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import select
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from rights import config
from rights.bundles import layout
from rights.bundles.layout import RenderError as RenderError
from rights.bundles.layout import deadline as deadline
from rights.bundles.layout import document as document
from rights.bundles.layout import font_config as font_config
from rights.bundles.layout import locked_fetcher as locked_fetcher
from rights.bundles.layout import write as write

# RenderError, the fetcher, the font configuration, document, write and deadline live in .layout (what the
# render workers import); they are named here too because this module is where the app renders from.

TEMPLATE_DIR = config.ROOT / "templates" / "pdf"

#: Tags an imported email may keep: text structure only. Anything else is dropped, keeping its text.
EMAIL_TAGS = frozenset({
    "p", "br", "div", "span", "b", "strong", "i", "em", "u", "ul", "ol", "li", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
})


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


# ---------------------------------------------------------------------------------------------- isolation

#: Seconds a worker has to answer beyond the render limit (its own alarm should have answered first), and to
#: exit once told to.
GRACE = 30

#: How a worker starts: a bare interpreter that imports only :mod:`.layout` (fds and memory limit appended).
_WORKER_CODE = "import sys; from rights.bundles.layout import serve; serve(*map(int, sys.argv[1:]))"


class _Worker:
    """One render worker process and the two pipes to it (tasks in, answers out)."""

    def __init__(self, memory_mb: int) -> None:
        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        env = dict(os.environ)
        # The worker must import the same ``rights`` as this process, wherever that came from.
        package_root = str(config.ROOT)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:  # our own interpreter and fixed code; the arguments are numbers
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-c", _WORKER_CODE, str(task_read), str(answer_write), str(memory_mb)],
                stdin=subprocess.DEVNULL, env=env, pass_fds=(task_read, answer_write))
        finally:
            os.close(task_read)
            os.close(answer_write)
        self.tasks: BinaryIO = os.fdopen(task_write, "wb")
        self.answers: BinaryIO = os.fdopen(answer_read, "rb")
        self.done = 0
        self.running: int | None = None  # index of the task it is running
        self.started = 0.0

    def send(self, index: int, call: tuple[Callable[..., Any], tuple[Any, ...]]) -> None:
        pickle.dump(call, self.tasks, protocol=pickle.HIGHEST_PROTOCOL)
        self.tasks.flush()
        self.running, self.started = index, time.monotonic()

    def receive(self) -> Any:
        """The answer to the running task; raises what the task raised, or RenderError if the worker died."""
        try:
            ok, value = pickle.load(self.answers)  # noqa: S301 - from the worker this process started
        except (EOFError, pickle.UnpicklingError):
            code = self.process.wait(timeout=GRACE)
            raise RenderError(f"a render worker stopped (exit status {code}); it may have run out of memory"
                              ) from None
        self.running = None
        self.done += 1
        if not ok:
            raise value
        return value

    def stop(self, *, kill: bool) -> None:
        """Close the task pipe (the worker exits when it reads the end) and reap it; kill it first if asked
        or if it does not exit in time."""
        if kill:
            self.process.kill()
        for pipe in (self.tasks, self.answers):
            with contextlib.suppress(OSError):
                pipe.close()
        try:
            self.process.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Workers:
    """A pool of ``limits.workers`` render worker processes for every task of a job, each replaced by a fresh
    one once it has run ``tasks_per_worker`` tasks (WeasyPrint keeps a little of every document it lays out).

    Why plain subprocesses with two pipes each, not ``multiprocessing`` / ``ProcessPoolExecutor``: a bundle's
    memory is the sum over its processes, and a spawn-context pool costs two of them beyond the workers'
    rendering. Its queues' semaphores start multiprocessing's resource tracker (a separate interpreter,
    about 12 MB resident for the life of the job), and each spawned worker imports multiprocessing and
    concurrent.futures and re-runs the parent's main script (about 5 MB more each). Spawned, not forked, all
    the same: the caller may be a threaded web or RQ process, and a forked copy of its locks and connections
    is not safe to render in. A worker starts as a bare interpreter that imports only :mod:`.layout`, puts
    itself under ``limits.memory_mb`` of address space and loads WeasyPrint and the fonts at once (so it
    does that while this process prepares the first task); each task runs under ``limits.seconds`` of wall
    time in the worker, and a worker that does not answer ``grace`` seconds after that is killed.

    One pool rather than one per batch of tasks: a worker takes a second or two to start and load WeasyPrint
    and its fonts, which a bundle's several phases (records, front matter) would otherwise pay each time. Use
    as a context manager; leaving it stops the workers, and kills them if leaving on an error (a worker that
    met its memory limit can be left alive but stuck: a failed render must fail, not hang the job)."""

    def __init__(self, limits: RenderLimits, tasks_per_worker: int, *, grace: int = GRACE) -> None:
        self.limits = limits
        self.tasks_per_worker = tasks_per_worker
        self.grace = grace
        self._workers: list[_Worker] = []

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        self.close(failed=exc_type is not None)

    def start(self, tasks: int) -> None:
        """Start the workers ``tasks`` tasks will need now, so they load WeasyPrint while the caller prepares
        them (``run`` starts any that are missing)."""
        while len(self._workers) < min(self.limits.workers, tasks):
            self._workers.append(_Worker(self.limits.memory_mb))

    def close(self, *, failed: bool = False) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop(kill=failed)

    def run(self, calls: list[tuple[Callable[..., Any], tuple[Any, ...]]],
            on_done: Callable[[], None] | None = None) -> list[Any]:
        """Run ``(function, args)`` calls (functions of :mod:`.layout`, or anything a bare interpreter can
        unpickle and run); results in the order given (``on_done`` after each). Raises what a task raised,
        after killing the workers."""
        try:
            return self._run(calls, on_done)
        except BaseException:
            self.close(failed=True)
            raise

    def _run(self, calls: list[tuple[Callable[..., Any], tuple[Any, ...]]],
             on_done: Callable[[], None] | None) -> list[Any]:
        results: list[Any] = [None] * len(calls)
        waiting = 0
        left = len(calls)
        wait = self.limits.seconds + self.grace
        while left:
            for worker in [w for w in self._workers if w.running is None and w.done >= self.tasks_per_worker]:
                worker.stop(kill=False)
                self._workers.remove(worker)
            if waiting < len(calls):
                self.start(len(calls) - waiting + sum(w.running is not None for w in self._workers))
            for worker in self._workers:
                if worker.running is None and waiting < len(calls):
                    worker.send(waiting, calls[waiting])
                    waiting += 1
            busy = [w for w in self._workers if w.running is not None]
            soonest = min(w.started for w in busy) + wait
            ready, _, _ = select.select([w.answers for w in busy], [], [], max(0.0, soonest - time.monotonic()))
            if not ready and time.monotonic() >= soonest:
                raise RenderError(f"a render worker did not answer within {wait} seconds")
            for worker in busy:
                if worker.answers in ready:
                    index = worker.running
                    assert index is not None
                    results[index] = worker.receive()
                    left -= 1
                    if on_done is not None:
                        on_done()
        return results


def render_pdf(html: str, limits: RenderLimits | None = None, *, pdf_a: bool = False) -> bytes:
    """Render one small document (a letter) in a separate, limited process; returns the PDF bytes."""
    limits = limits or RenderLimits()
    try:
        with Workers(replace(limits, workers=1), tasks_per_worker=1) as workers:
            return workers.run([(layout.pdf_bytes, (html, pdf_a, limits.seconds))])[0]
    except RenderError:
        raise
    except Exception as exc:  # a WeasyPrint failure
        raise RenderError(f"rendering failed: {type(exc).__name__}: {exc}") from None

