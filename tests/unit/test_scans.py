"""Scans (records with no text layer): regions checked, pages drawn, regions painted into the pixels."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from rights.redaction import scans
from rights.redaction.scans import Region, ScanError
from tests.integration.redaction_support import SCAN_SECRET_BOX, scan_pdf

BAND = (40, 90, 160)  # the colour scan_pdf paints in SCAN_SECRET_BOX


@pytest.mark.parametrize(("region", "pages", "error"), [
    (Region(1, 0.1, 0.1, 0.5, 0.1, "TP"), 2, None),
    (Region(2, 0.0, 0.0, 1.0, 1.0, "TP"), 2, None),  # the whole page
    (Region(3, 0.1, 0.1, 0.5, 0.1, "TP"), 2, "not in this scan"),
    (Region(0, 0.1, 0.1, 0.5, 0.1, "TP"), 2, "not in this scan"),
    (Region(1, -0.1, 0.1, 0.5, 0.1, "TP"), 2, "lie on the page"),
    (Region(1, 0.6, 0.1, 0.5, 0.1, "TP"), 2, "right or bottom edge"),
    (Region(1, 0.1, 0.95, 0.5, 0.1, "TP"), 2, "right or bottom edge"),
    (Region(1, 0.1, 0.1, 0.001, 0.1, "TP"), 2, "too small"),
    (Region(1, float("nan"), 0.1, 0.5, 0.1, "TP"), 2, "lie on the page"),
    (Region(1, 0.1, 0.1, float("inf"), 0.1, "TP"), 2, "lie on the page"),
])
def test_regions_must_lie_on_a_page_of_the_scan(region: Region, pages: int, error: str | None) -> None:
    if error is None:
        scans.check_region(region, pages)
    else:
        with pytest.raises(ScanError, match=error):
            scans.check_region(region, pages)


@pytest.mark.parametrize(("region", "size", "box"), [
    (Region(1, 0.0, 0.0, 1.0, 1.0, "TP"), (100, 200), (0, 0, 100, 200)),
    (Region(1, 0.105, 0.2, 0.3, 0.1, "TP"), (100, 200), (10, 40, 41, 60)),  # a partly covered pixel is covered
    (Region(1, 0.5, 0.5, 0.5, 0.5, "TP"), (101, 101), (50, 50, 101, 101)),
])
def test_a_region_covers_every_pixel_it_touches(region: Region, size: tuple[int, int],
                                                box: tuple[int, int, int, int]) -> None:
    assert region.pixels(size) == box


def test_burning_paints_the_region_black_and_leaves_the_rest() -> None:
    page = Image.new("RGB", (400, 300), BAND)
    burned = scans.burn(page, [Region(1, 0.25, 0.5, 0.5, 0.25, "TP")])
    x0, y0, x1, y1 = 100, 150, 300, 225
    inside = [burned.getpixel((x, y)) for x in range(x0, x1) for y in range(y0, y1)]
    assert BAND not in inside  # every pixel of the box changed: black, or the code's white letters
    assert sum(1 for p in inside if p == (0, 0, 0)) > 0.8 * len(inside)
    assert any(p == (255, 255, 255) for p in inside)  # the code is written in the box
    assert burned.getpixel((x0 - 1, y0)) == BAND and burned.getpixel((x1, y1)) == BAND
    assert page.getpixel((150, 170)) == BAND  # the original is left alone


def test_a_pdf_scan_is_drawn_page_by_page_with_its_regions_painted_out() -> None:
    data = scan_pdf(pages=3)
    assert scans.page_count(data, "application/pdf") == 3
    pages, page, ratio = scans.page_layout(data, "application/pdf", 1)
    assert (pages, page) == (3, 1) and ratio == pytest.approx(1100 / 850)
    assert scans.page_layout(data, "application/pdf", 9)[:2] == (3, 3)  # kept within the scan
    assert scans.page_layout(data, "application/pdf", 0)[:2] == (3, 1)
    left, top, width, height = SCAN_SECRET_BOX
    pages = scans.burned_pages(data, "application/pdf", [Region(2, left, top, width, height, "TP")])
    assert len(pages) == 3
    centre = (left + width / 2, top + height / 2)
    for number, png in enumerate(pages, start=1):
        image = Image.open(io.BytesIO(png))
        pixel = image.getpixel((int(centre[0] * image.width), int(centre[1] * image.height) - 8))
        if number == 2:
            assert pixel == (0, 0, 0)
        else:
            assert near(pixel, BAND)
    plain = Image.open(io.BytesIO(scans.page_image(data, "application/pdf", 2)))
    assert near(plain.getpixel((int(centre[0] * plain.width), int(centre[1] * plain.height) - 8)), BAND)


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    """The same colour but for the scan's compression (a step or two per channel)."""
    return all(abs(a - b) <= 4 for a, b in zip(pixel, colour, strict=True))


def test_an_image_scan_is_one_page() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), BAND).save(buffer, "PNG")
    data = buffer.getvalue()
    assert scans.page_count(data, "image/png") == 1
    assert scans.page_layout(data, "image/png", 2) == (1, 1, pytest.approx(4 / 3))
    (png,) = scans.burned_pages(data, "image/png", [Region(1, 0, 0, 0.5, 0.5, "TP")])
    image = Image.open(io.BytesIO(png))
    assert image.getpixel((10, 10)) == (0, 0, 0) and image.getpixel((290, 390)) == BAND
    with pytest.raises(ScanError, match="one page"):
        scans.page_image(data, "image/png", 2)


@pytest.mark.parametrize(("data", "content_type", "error"), [
    (b"%PDF-1.7 not really", "application/pdf", "damaged"),
    (b"\x89PNG\r\n\x1a\n broken", "image/png", "cannot be read"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Only PDF"),
])
def test_a_scan_that_cannot_be_read_gets_one_clear_line(data: bytes, content_type: str, error: str) -> None:
    with pytest.raises(ScanError, match=error):
        scans.page_count(data, content_type) if content_type != "image/png" else scans.page_image(data,
                                                                                                    content_type, 1)
