"""Files that are not what they say are refused with a message the sender can act on, and nothing is kept.

Through the portal's proof-of-identity page (the citizen's error summary), and the record holders' check
(the same inspection, with their own types): decompression bombs, PDFs with JavaScript (plain, packed in
an object stream, with escaped names) or an embedded file, polyglots (a PNG carrying a web page, a JPEG
with a zip appended, a PDF with HTML inside) and files whose name lies about them. Genuine files of each
type still pass.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rights import uploads
from rights.models import AuditEvent, Document
from tests import hostile
from tests.integration.portal_support import Portal, portal_app
from tests.portal_journeys import error_messages, journey

REFUSED: list[tuple[str, Callable[[], bytes], str, str]] = [
    # what, the file, its name, the start of the message the sender reads
    ("PNG decompression bomb", hostile.png_bomb, "passport.png", "The selected image is too large"),
    ("PNG of 144 megapixels", lambda: hostile.png_bomb(12_000, 12_000), "scan.png",
     "The selected image is too large (12,000 by 12,000 pixels)"),
    ("PDF with JavaScript", hostile.pdf_with_javascript, "passport.pdf", "The selected PDF contains JavaScript"),
    ("PDF with JavaScript in an object stream", lambda: hostile.pdf_with_javascript(packed=True, escaped=True),
     "passport.pdf", "The selected PDF contains JavaScript"),
    ("PDF with an embedded file", hostile.pdf_with_embedded_file, "licence.pdf",
     "The selected PDF contains an embedded file"),
    ("PNG carrying a web page", hostile.png_with_script, "photo.png", "The selected file also contains web page code"),
    ("JPEG with a zip appended", hostile.jpeg_zip_polyglot, "photo.jpg", "The selected file is also a zip archive"),
    ("PDF with HTML inside", hostile.pdf_html_polyglot, "scan.pdf", "The selected file also contains web page code"),
    ("executable named .pdf", lambda: hostile.EXE, "passport.pdf", "The selected file must be a PDF, JPG or PNG"),
    ("web page named .pdf", lambda: hostile.HTML_PAGE, "passport.pdf", "The selected file must be a PDF, JPG or PNG"),
]
ACCEPTED = [("PDF", hostile.real_pdf, "passport.pdf", "passport.pdf"),
            ("PDF named .png", hostile.real_pdf, "passport.png", "passport.pdf"),
            ("PNG", hostile.real_png, "photo.png", "photo.png"),
            ("JPEG named .pdf", hostile.real_jpeg, "photo.pdf", "photo.jpg")]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return {what: make() for what, make, _n, _m in REFUSED} | {what: make() for what, make, _n, _s in ACCEPTED}


@pytest.fixture
def at_upload(rt, settings) -> Portal:  # type: ignore[no-untyped-def]
    portal = Portal(portal_app(settings).test_client())
    for step, data in journey("access", "self_adult"):
        if step == "proof-of-id":
            return portal
        portal.answer(step, data)
    raise AssertionError("no proof-of-id page")


def documents(rt) -> int:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


def test_hostile_files_are_refused_with_a_clear_message_and_nothing_is_kept(rt, settings, at_upload, files) -> None:
    for what, _make, name, message in REFUSED:
        response = at_upload.post("/request/proof-of-id", {"file": (io.BytesIO(files[what]), name)})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, what
        (shown,) = error_messages(html)
        assert shown.startswith(message), (what, shown)
    assert documents(rt) == 0
    assert not list(Path(settings.upload_dir).rglob("*.bin")), "a refused file was written to the store"
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "document.uploaded")) == 0


def test_genuine_files_pass_and_take_the_extension_of_their_content(rt, at_upload, files) -> None:
    for what, _make, name, stored in ACCEPTED:
        response = at_upload.post("/request/proof-of-id", {"file": (io.BytesIO(files[what]), name)})
        assert response.status_code == 302, (what, error_messages(response.get_data(as_text=True)))
        with rt.db.transaction() as session:
            newest = session.scalars(select(Document).order_by(Document.id.desc()).limit(1)).one()
        assert newest.filename == stored, what


@pytest.mark.parametrize("what", ["PDF with JavaScript", "JPEG with a zip appended", "PNG decompression bomb"])
def test_record_holders_uploads_go_through_the_same_inspection(rt, files, what) -> None:
    name = next(n for w, _m, n, _s in REFUSED if w == what)
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.check_record(files[what], name, 10 * 1024 * 1024)
    assert next(m for w, _x, _n, m in REFUSED if w == what) in str(refused.value)
    # Text is only ever shown as text: a note about a web page is a record like any other.
    assert uploads.check_record(b"The child drew <script> on the wall.", "note.txt", 1024).content_type == "text/plain"
