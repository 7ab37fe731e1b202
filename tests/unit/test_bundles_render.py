"""Locked-down rendering: nothing in record content can make WeasyPrint read a file or reach a server."""

from __future__ import annotations

import http.server
import os
import threading
import time
from datetime import date

import pikepdf
import pytest

from rights.bundles import bundle, leakcheck, render
from rights.bundles.bundle import BundleRecord, Html, Text
from tests.unit.bundle_support import META, pdftotext


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared with the test on purpose

    def do_GET(self):
        self.hits.append(self.path)
        body = b"FOREIGN-CONTENT-FROM-SERVER"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.hits
    httpd.shutdown()
    httpd.server_close()


def hostile(base: str) -> str:
    return (f'<img src="file:///etc/passwd"><img src="{base}/img.png">'
            f'<link rel="attachment" href="file:///etc/passwd"><a rel="attachment" href="file:///etc/hostname">x</a>'
            f'<link rel="stylesheet" href="{base}/sheet.css">'
            f'<style>@import url("{base}/import.css"); body {{ background: url({base}/bg.png) }}</style>'
            f'<div style="background-image: url(\'{base}/inline.png\')">styled</div>'
            f'<object data="file:///etc/passwd"></object><embed src="{base}/embed"><iframe src="{base}/frame"></iframe>'
            f'<svg><image href="{base}/svg.png"/></svg><img src="data:image/svg+xml,<svg/>">'
            f'<p>Visit <a href="{base}/link">our site</a> or {base}/plain</p>')


def _assert_nothing_foreign(path, hits):
    assert hits == []
    with pikepdf.open(path) as pdf:
        assert len(pdf.attachments) == 0
    text = "\n".join(pdftotext(path))
    assert "root:x:0:0" not in text and "FOREIGN-CONTENT" not in text
    findings = leakcheck.check(path, ["root:x:0:0", "FOREIGN-CONTENT-FROM-SERVER"])
    assert [f for f in findings if f.needle != "(embedded file)"] == [] and findings == []


def test_bundle_with_hostile_record_text_and_email_html(tmp_path, server):
    base, hits = server
    record = BundleRecord("h", "Early help", date(2021, 2, 3), "Imported email", (
        Text("Record text typed by someone: " + hostile(base) + "\n"),
        Html("<p>Email body</p>" + hostile(base)),
    ))
    target = tmp_path / "hostile.pdf"
    bundle.render_bundle(META, [record], [], target)
    _assert_nothing_foreign(target, hits)
    text = "\n".join(pdftotext(target))
    assert "<img src=" in text  # record text was escaped: shown as text, never markup
    assert "Email body" in text and "styled" in text  # the email's words survive sanitising


def test_fetcher_refuses_everything_but_packaged_assets_even_without_sanitising(tmp_path, server):
    """Defence in depth: raw hostile HTML straight into the renderer still fetches nothing."""
    base, hits = server
    html = f"<html><head>{hostile(base)}</head><body>{hostile(base)}</body></html>"
    fetcher = render.locked_fetcher()
    from weasyprint import HTML

    HTML(string=html, url_fetcher=fetcher).write_pdf(tmp_path / "raw.pdf")
    _assert_nothing_foreign(tmp_path / "raw.pdf", hits)
    assert any(u.startswith("file:") for u in fetcher.refused)
    assert any(u.startswith(base) for u in fetcher.refused)
    assert any(u.startswith("data:") for u in fetcher.refused)


@pytest.mark.parametrize("url", ["rights-asset:../../../etc/passwd", "rights-asset:/etc/passwd",
                                 "rights-asset:pdf.css/../../x.css", "rights-asset:missing.css",
                                 "file:///etc/passwd", "https://example.org/x.css", "ftp://x/y"])
def test_fetcher_refuses_paths_out_of_the_asset_dir(url):
    with pytest.raises(ValueError, match=r"refused|no packaged"):
        render.locked_fetcher().fetch(url)


@pytest.mark.parametrize("url", ["rights-scan:r1-0", "rights-scan:../secret-0", "rights-scan:r1-0.png",
                                 "rights-scan:r1-0/../../x-0", "rights-scan:/etc/passwd", "rights-scan:r2-0"])
def test_fetcher_serves_scan_pages_only_from_the_documents_own_folder(tmp_path, url):
    """A scan's page is served from the folder the task names, by a plain name only; without a folder, or
    for any other name, nothing is read."""
    folder = tmp_path / "chunk0-scans"
    folder.mkdir()
    (folder / "r1-0.png").write_bytes(b"\x89PNG page one")
    (tmp_path / "secret-0.png").write_bytes(b"outside")
    if url == "rights-scan:r1-0":
        assert render.locked_fetcher(str(folder)).fetch(url).read() == b"\x89PNG page one"
        with pytest.raises(ValueError, match="refused"):
            render.locked_fetcher().fetch(url)  # a document with no scans of its own
    else:
        with pytest.raises(ValueError, match=r"refused|no scan page"):
            render.locked_fetcher(str(folder)).fetch(url)


def test_fetcher_serves_the_packaged_stylesheet():
    response = render.locked_fetcher().fetch("rights-asset:pdf.css")
    assert b".redaction" in response.read()


def test_sanitiser_keeps_text_drops_everything_active():
    dirty = ('<p onclick="x()" style="color:red">Hello <b>there</b></p><script>alert(1)</script>'
             '<style>p{}</style><img src=x><a href="http://x">link</a><link rel=attachment href=file:///x>')
    clean = render.sanitise_email_html(dirty)
    assert clean == "<p>Hello <b>there</b></p>link"


def test_time_limit_stops_a_long_render():
    big = "<p>" + "words " * 200_000 + "</p>"
    with pytest.raises(render.RenderError, match=r"longer than 1 seconds"):
        render.render_pdf(big, render.RenderLimits(seconds=1, memory_mb=2048, workers=1))


def test_memory_limit_stops_a_render():
    with pytest.raises(render.RenderError):
        render.render_pdf("<p>x</p>" * 50_000, render.RenderLimits(seconds=30, memory_mb=256, workers=1))


def test_a_stuck_worker_is_killed_not_waited_for():
    """A worker left alive but stuck (as one can be after meeting its memory limit) must not hang the
    caller: it is given the render limit and a grace, then killed, and the caller gets a RenderError."""
    started = time.monotonic()
    workers = render.Workers(render.RenderLimits(seconds=1, memory_mb=512, workers=1), tasks_per_worker=5, grace=2)
    workers.start(1)
    processes = [w.process for w in workers._workers]
    with pytest.raises(render.RenderError, match="did not answer within 3 seconds"), workers:
        workers.run([(time.sleep, (3600,))])
    assert time.monotonic() - started < 60
    assert processes and all(p.poll() is not None for p in processes)


def test_workers_return_results_in_order_and_are_replaced_after_their_tasks():
    with render.Workers(render.RenderLimits(workers=2), tasks_per_worker=2) as workers:
        assert workers.run([(abs, (-i,)) for i in range(7)]) == list(range(7))
    with render.Workers(render.RenderLimits(workers=1), tasks_per_worker=2) as workers:
        pids = workers.run([(os.getpid, ())] * 3) + workers.run([(os.getpid, ())])
    assert pids[0] == pids[1] != pids[2] == pids[3] != os.getpid()


def test_a_task_failure_reaches_the_caller_and_stops_the_workers():
    with pytest.raises(ValueError, match="invalid literal"), render.Workers(render.RenderLimits(), 5) as workers:
        workers.run([(int, ("not a number",))])
    assert not workers._workers


def test_a_render_worker_imports_weasyprint_and_nothing_else_of_the_app():
    """Every process of a bundle counts: a worker must not load the templates, the settings, the bundle's
    dataclasses or multiprocessing (a spawn pool's workers did, and it started a resource tracker too), nor
    run fontTools' subsetter module, which WeasyPrint imports but does not use here."""
    from rights.bundles import layout

    with render.Workers(render.RenderLimits(), 2) as workers:
        pdf, subset, modules = workers.run([(layout.pdf_bytes, ("<p>Hello <b>there</b></p>", False, 60)),
                                            (eval, ("type(__import__('sys').modules['fontTools.subset']).__name__",)),
                                            (eval, ("sorted(__import__('sys').modules)",))])
    assert pdf.startswith(b"%PDF") and subset == "_LazyModule"  # fonts subset by HarfBuzz: fontTools' never ran
    modules = set(modules)
    assert {"weasyprint", "rights.bundles.layout"} <= modules
    assert {m for m in modules if m.startswith("rights")} == {"rights", "rights.bundles", "rights.bundles.layout"}
    assert not modules & {"jinja2", "nh3", "markupsafe", "multiprocessing", "concurrent.futures", "pikepdf"}


def test_one_font_configuration_per_thread_serves_every_document():
    """A render worker lays out dozens of chunks: each must reuse its thread's font configuration (a new one
    per document kept a little memory for good), and another thread must get its own (Pango's font maps are
    not shared across threads)."""
    first = render.document("<p>one</p>")
    assert render.document("<p>two</p>").pages and render.font_config() is render.font_config()
    assert first.pages
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(render.font_config()))
    thread.start()
    thread.join()
    assert other and other[0] is not render.font_config()
