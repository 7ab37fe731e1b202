"""The print pack: a postal requester's letter then bundle, one file, the bundle on a sheet of its own."""

from __future__ import annotations

import io

import pikepdf
import pypdf
import pytest

from rights.bundles import release, render


def _pdf(pages: list[str]) -> bytes:
    html = "".join(f'<p style="page-break-after: always">{text}</p>' for text in pages[:-1]) + f"<p>{pages[-1]}</p>"
    return render.document(html).write_pdf()


def _texts(data: bytes) -> list[str]:
    return [(page.extract_text() or "").strip() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize(("letter_pages", "blanks"), [(1, 1), (2, 0), (3, 1)])
def test_letter_then_bundle_with_a_blank_back_after_an_odd_letter(letter_pages, blanks):
    letter = _pdf([f"Letter page {n}" for n in range(1, letter_pages + 1)])
    bundle = _pdf(["Cover of the bundle", "Index", "First record"])
    pack = release.print_pack(letter, bundle, "SAR-2026-0042")
    texts = _texts(pack)
    assert texts == [*(f"Letter page {n}" for n in range(1, letter_pages + 1)), *[""] * blanks,
                     "Cover of the bundle", "Index", "First record"]
    with pikepdf.open(io.BytesIO(pack)) as pdf:
        assert len(pdf.pages) % 2 == (letter_pages + blanks + 3) % 2
        assert str(pdf.docinfo["/Title"]) == "Print pack for SAR-2026-0042"
        sizes = {tuple(round(float(v)) for v in page.mediabox) for page in pdf.pages}
        assert len(sizes) == 1, "the blank page has the letter's paper size"
