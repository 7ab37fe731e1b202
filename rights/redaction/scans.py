"""Scanned records (no text layer): their pages as images, and page regions redacted by burning into pixels.

A scan's words are pixels, so the detectors find nothing and an officer decides it (``needs_officer``):
withhold it, or mark rectangles on its pages, each under an exemption code. Output never carries the scan
itself: each page is rasterised afresh and every region is painted solid black with its code in white
*into the pixels* (:func:`burn`), so nothing of what a box covers survives underneath, as it could under a
PDF annotation or a drawn rectangle over the original page. The images are written as new PNGs, so the
scan's own metadata (a scanner's author field, a file name) is not carried over either.

PDF pages are rasterised by poppler's ``pdftoppm`` in a process of its own under the document limits
(address space, CPU and wall time): a hostile PDF takes down that process, not the web request or job.
JPEG and PNG scans are one page each, opened by Pillow within its decompression-bomb limit.

Regions are fractions of the page (0 to 1 from the top left), so they hold at any resolution.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rights.redaction.raster_worker import MISSING
from rights.sources.document_limits import DocumentLimits, DocumentRefused, from_environment

#: Resolution of the pages officers mark up and of the pages in a bundle (dots per inch): A4 at 110 dpi is
#: 910 by 1,286 pixels, readable on screen and on paper, about 150 KB a page as PNG.
DPI = 110
#: Pages of one scan that can be redacted by region (a longer scan is withheld, or split by its holder).
MAX_PAGES = 300
#: A region smaller than this (a fraction of the page's width or height) is a slip of the mouse.
MIN_SIDE = 0.005
#: Pages drawn at a time when a whole scan is drawn for a bundle.
BATCH = 8
_PACKAGE_PARENT = Path(__file__).resolve().parents[2]
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
PDF_TYPE = "application/pdf"


class ScanError(ValueError):
    """A scan cannot be shown or redacted by region; the message says why, in one line."""


@dataclass(frozen=True)
class Region:
    """One rectangle to remove from a page: ``page`` from 1, the rest fractions of the page's size."""

    page: int
    left: float
    top: float
    width: float
    height: float
    code: str

    def pixels(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """The box on an image of ``size``, widened to whole pixels (a partly covered pixel is covered)."""
        w, h = size
        eps = 1e-6  # (0.2 + 0.1) * 200 is 60.000000000000014: not a pixel more
        x0, y0 = math.floor(self.left * w + eps), math.floor(self.top * h + eps)
        x1 = min(w, math.ceil((self.left + self.width) * w - eps))
        y1 = min(h, math.ceil((self.top + self.height) * h - eps))
        return x0, y0, x1, y1


def check_region(region: Region, pages: int) -> None:
    """Refuse a region off the scan's pages, outside the page, or too small to be meant."""
    if not 1 <= region.page <= pages:
        raise ScanError(f"Page {region.page} is not in this scan: it has {pages} page{'' if pages == 1 else 's'}.")
    values = (region.left, region.top, region.width, region.height)
    if any(v != v or v < 0 or v > 1 for v in values):  # v != v: not a number
        raise ScanError("The region must lie on the page.")
    if region.left + region.width > 1 + 1e-9 or region.top + region.height > 1 + 1e-9:
        raise ScanError("The region must lie on the page: it runs off its right or bottom edge.")
    if region.width < MIN_SIDE or region.height < MIN_SIDE:
        raise ScanError("The region is too small: draw or enter a larger box.")


def can_show(content_type: str | None) -> bool:
    return content_type == PDF_TYPE or content_type in IMAGE_TYPES


def page_count(data: bytes, content_type: str | None, limits: DocumentLimits | None = None) -> int:
    """How many pages the scan has (an image is one)."""
    return page_layout(data, content_type, 1, limits)[0]


def page_layout(data: bytes, content_type: str | None, requested: int,
                limits: DocumentLimits | None = None) -> tuple[int, int, float]:
    """The scan's page count, the page to show (``requested``, kept within the scan) and that page's height
    over width as it is drawn (a rotated PDF page turned), for laying out its image and the regions over it
    before the image itself is drawn. One reading of the file for all three: the review page needs each."""
    if content_type in IMAGE_TYPES:
        from PIL import Image, ImageOps

        try:
            with Image.open(io.BytesIO(data)) as opened:
                width, height = ImageOps.exif_transpose(opened).size
        except (OSError, Image.DecompressionBombError) as exc:
            raise ScanError("The scan's image cannot be read.") from exc
        return 1, 1, height / width if width else 1.0
    if content_type != PDF_TYPE:
        raise ScanError("Only PDF, JPEG and PNG scans can be shown and redacted by region.")
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            limits = limits or from_environment()
            if pages > min(MAX_PAGES, limits.max_pdf_pages):
                raise ScanError(f"The scan has {pages} pages; at most {MAX_PAGES} can be redacted by region: "
                                "withhold it.")
            if pages == 0:
                return 0, 0, 1.0  # nothing to show: the caller says so
            page = min(max(requested, 1), pages)
            sheet = pdf.pages[page - 1]
            x0, y0, x1, y1 = (float(v) for v in sheet.cropbox)  # what pdftoppm draws
            turned = int(sheet.obj.get("/Rotate", 0)) % 180 == 90
    except pikepdf.PdfError as exc:
        raise ScanError("The scan's PDF is damaged and cannot be read.") from exc
    width, height = abs(x1 - x0), abs(y1 - y0)
    if turned:
        width, height = height, width
    return pages, page, height / width if width else 1.0


def page_image(data: bytes, content_type: str | None, page: int, limits: DocumentLimits | None = None, *,
               regions: list[Region] | tuple[Region, ...] | None = None) -> bytes:
    """Page ``page`` (from 1) of the scan as a PNG: as scanned (for the officer marking it up), or with
    ``regions`` painted out (the preview of what is disclosed)."""
    image = _pages(data, content_type, page, page, limits or from_environment())[0]
    if regions is not None:
        image = burn(image, [r for r in regions if r.page == page])
    return _png(image)


def burned_pages(data: bytes, content_type: str | None, regions: list[Region] | tuple[Region, ...],
                 limits: DocumentLimits | None = None) -> list[bytes]:
    """Every page of the scan as it is disclosed: PNGs with the regions painted out.

    Drawn a few pages at a time, so a long scan holds its compressed PNGs, not every page's raw pixels.
    """
    limits = limits or from_environment()
    total = page_count(data, content_type, limits)
    out: list[bytes] = []
    for first in range(1, total + 1, BATCH):
        last = min(total, first + BATCH - 1)
        for number, image in zip(range(first, last + 1), _pages(data, content_type, first, last, limits),
                                 strict=True):
            out.append(_png(burn(image, [r for r in regions if r.page == number])))
    return out


def burn(image: object, regions: list[Region] | tuple[Region, ...]) -> object:
    """Paint each region solid black with its code in white, in the image's own pixels (a copy is returned)."""
    from PIL import Image, ImageDraw, ImageFont

    assert isinstance(image, Image.Image)
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    for region in regions:
        x0, y0, x1, y1 = region.pixels(out.size)
        if x1 <= x0 or y1 <= y0:
            continue
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=(0, 0, 0))
        size = max(8, min(28, (y1 - y0) * 2 // 3))
        font = ImageFont.load_default(size=size)
        left, top, right, bottom = draw.textbbox((0, 0), region.code, font=font)
        if right - left <= x1 - x0 - 4 and bottom - top <= y1 - y0 - 2:
            draw.text((x0 + (x1 - x0 - (right - left)) // 2 - left, y0 + (y1 - y0 - (bottom - top)) // 2 - top),
                      region.code, fill=(255, 255, 255), font=font)
    return out


def _png(image: object) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)  # a new file: no metadata of the scan is copied
    return buffer.getvalue()


def _pages(data: bytes, content_type: str | None, first: int, last: int, limits: DocumentLimits) -> list[object]:
    """Pages ``first`` to ``last`` (from 1) as RGB images."""
    from PIL import Image, ImageOps

    if content_type in IMAGE_TYPES:
        if (first, last) != (1, 1):
            raise ScanError("An image scan has one page.")
        try:
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                return [ImageOps.exif_transpose(opened).convert("RGB")]  # as the scanner meant it shown
        except (OSError, Image.DecompressionBombError) as exc:
            raise ScanError("The scan's image cannot be read.") from exc
    if content_type != PDF_TYPE:
        raise ScanError("Only PDF, JPEG and PNG scans can be shown and redacted by region.")
    with tempfile.TemporaryDirectory(prefix="scan-") as tmp:
        source = Path(tmp) / "scan.pdf"
        source.write_bytes(data)
        command = [sys.executable, "-m", "rights.redaction.raster_worker", str(limits.memory_mb),
                   str(limits.timeout_seconds), "--", "-r", str(DPI), "-png", "-f", str(first), "-l", str(last),
                   str(source), str(Path(tmp) / "page")]
        try:
            proc = subprocess.run(command, capture_output=True, timeout=limits.timeout_seconds, check=False,  # noqa: S603 - fixed argv
                                  cwd=_PACKAGE_PARENT)
        except subprocess.TimeoutExpired as exc:
            raise DocumentRefused(f"drawing the pages took longer than {limits.timeout_seconds} seconds") from exc
        if proc.returncode == MISSING:
            raise ScanError("pdftoppm (poppler-utils) is not installed, so PDF scans cannot be shown.")
        drawn = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if proc.returncode != 0 or len(drawn) != last - first + 1:
            raise ScanError(f"Pages {first} to {last} of the scan could not be drawn." if last > first
                            else f"Page {first} of the scan could not be drawn.")
        images = []
        for path in drawn:
            with Image.open(path) as page:
                page.load()
                images.append(page.convert("RGB"))
        return images
