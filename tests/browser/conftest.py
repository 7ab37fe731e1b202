"""Browser-test fixtures: the real app on a loopback port, a real SMTP server, Debian's Chromium.

The app runs with test settings on the session's PostgreSQL database and Redis queue; jobs are run by
an in-process worker thread draining that real Redis queue, so an email sent "after commit" arrives at
the aiosmtpd server the test started. Chromium is Debian's package (installed by scripts/bootstrap.sh),
driven by Playwright; no browser is downloaded.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import free_port, need_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


# ------------------------------------------------------------------ SMTP
@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)

    def wait_for(self, to: str, timeout: float = 20.0, subject_contains: str = "") -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for msg in self.messages:
                if to.lower() in str(msg["To"]).lower() and subject_contains in str(msg["Subject"]):
                    return msg
            time.sleep(0.1)
        raise AssertionError(f"no email to {to} within {timeout}s; got {[m['To'] for m in self.messages]}")

    def clear(self) -> None:
        self.messages.clear()


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.box.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[str, int, Mailbox]]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    yield "127.0.0.1", port, box
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:  # type: ignore[no-untyped-def]
    box = smtp_server[2]
    box.clear()
    return box


# ------------------------------------------------------------------ the app on a port
@dataclass
class LiveServer:
    url: str
    app: Any
    rt: Any

    def path(self, p: str) -> str:
        return self.url + p


@pytest.fixture
def live_server(rt, settings, smtp_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    from rights.web import create_app

    host, port, _box = smtp_server
    settings.mail_backend = "smtp"
    settings.smtp_host = host
    settings.smtp_port = port
    settings.smtp_starttls = False
    app_port = free_port()
    settings.public_base_url = f"http://127.0.0.1:{app_port}"
    app = create_app(settings, start_worker=False)
    app.config["WTF_CSRF_ENABLED"] = True
    runtime_ = app.extensions["rights"]
    runtime_.start_inline_worker(force=True)
    server = make_server("127.0.0.1", app_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{app_port}", app, runtime_)
    server.shutdown()
    if runtime_.inline_worker:
        runtime_.inline_worker.stop()


# ------------------------------------------------------------------ Chromium
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        need_service(f"Debian's chromium is not installed at {CHROMIUM} (scripts/bootstrap.sh --browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@contextmanager
def open_page(browser: Any) -> Iterator[Any]:
    """A page in a browser context of its own (one person's cookies); a CSP violation it reports fails the test.

    The ``page`` fixture is one; a test in which several people take part (a citizen, an officer, a
    manager) opens one more for each.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    pg.csp_problems = problems  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        context.close()
    assert not problems, f"CSP violations: {problems}"


@pytest.fixture
def page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A fresh browser context per test; fails the test if the page reports a CSP violation."""
    with open_page(browser) as pg:
        yield pg


def axe_violations(pg: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.2 AA tags, target-size on) in the page; return its violations."""
    if not AXE_JS.exists():
        raise AssertionError("axe-core is missing: scripts/build-assets.sh installs it from npm")
    if not pg.evaluate("() => typeof window.axe !== 'undefined'"):
        pg.evaluate(AXE_JS.read_text())  # evaluated over DevTools, so the page's CSP stays strict
    result = pg.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                rules: {'target-size': {enabled: true}},
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""",
        AXE_TAGS,
    )
    return list(result)


def assert_accessible(pg: Any) -> None:
    violations = axe_violations(pg)
    assert violations == [], f"axe violations on {pg.url}: {violations}"
