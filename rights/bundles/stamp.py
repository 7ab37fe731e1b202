"""Footers stamped onto rendered pages without laying the pages out a second time.

Why: every page of a bundle carries "Page n of N", and neither n (the page's place in the whole bundle) nor N is
known while a chunk of records is laid out in its worker. The first pipeline laid out a transparent overlay
document of as many blank pages as the bundle has, only to print its footers: a second WeasyPrint layout of
every page, about a fifth of the whole time. Here WeasyPrint lays out one small *stamp sheet* per bundle (two
pages: the static footer and DRAFT mark; a sample "Page 0123456789 of 0123456789" in the footer's own style),
and the joiner puts them on each page with pikepdf:

* the static footer (council, reference, DRAFT) becomes one Form XObject drawn on every page;
* the page number is typeset from the sample: the sample's own drawing instructions, with its glyph codes
  (read back through the font's ToUnicode map), widths (the font's ``/W``) and kerning (the sample's ``TJ``
  adjustments), re-used with the digits of each page and moved so the text stays right-aligned where
  WeasyPrint put it. The text layer reads "Page n of N" as a laid-out footer would.

The sample must come out as one text run in one font with one glyph per character; if WeasyPrint ever draws it
otherwise (another font, ligatures, a colour space or transparency the stamp does not carry), building the
stamper raises :class:`~rights.bundles.bundle.BundleError` rather than print a wrong footer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf

from rights.bundles.parts import SAMPLE

STATIC_NAME = pikepdf.Name("/RDStamp")
FONT_NAME = pikepdf.Name("/RDPageNumber")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
#: Operators the sample may use outside its text: state, transforms, plain RGB or grey colour.
_PLAIN = frozenset({"q", "Q", "cm", "rg", "RG", "g", "G", "w", "BT", "ET", "Tm", "Tf", "TJ", "Tj", "Td", "TL",
                    "Tc", "Tw", "Tz", "Ts", "Tr", "gs"})


class StampError(RuntimeError):
    """The stamp sheet is not drawn the way the stamper can reproduce (see the module docstring)."""


def _to_unicode(font: pikepdf.Dictionary) -> dict[bytes, str]:
    """Glyph code -> text, from the font's ToUnicode CMap (bfchar and bfrange entries)."""
    data = font.ToUnicode.read_bytes()
    out: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in _BFCHAR.findall(block):
            out[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for first, last, start in _BFRANGE.findall(block):
            lo, hi, base = int(first, 16), int(last, 16), int(start, 16)
            for i in range(hi - lo + 1):
                out[(lo + i).to_bytes(len(first) // 2, "big")] = chr(base + i)
    return out


def _widths(font: pikepdf.Dictionary) -> tuple[dict[int, float], float]:
    """CID -> advance width in thousandths of the font size, from the descendant font's /W (and /DW)."""
    cid_font = font.DescendantFonts[0]
    default = float(cid_font.get("/DW", 1000))
    table = list(cid_font.get("/W", []))
    out: dict[int, float] = {}
    i = 0
    while i < len(table):
        first = int(table[i])
        if isinstance(table[i + 1], pikepdf.Array):
            for k, w in enumerate(table[i + 1]):
                out[first + k] = float(w)
            i += 2
        else:
            for cid in range(first, int(table[i + 1]) + 1):
                out[cid] = float(table[i + 2])
            i += 3
    return out, default


class Stamper:
    """Stamps a joined bundle's parts: the static footer and "Page n of ``total``" on every page."""

    def __init__(self, sheet: str | Path, total: int) -> None:
        self.total = total
        self.pdf = pikepdf.open(sheet)
        if len(self.pdf.pages) != 2:
            raise StampError("the stamp sheet must have two pages")
        static, sample = self.pdf.pages
        self.media_box = [float(v) for v in static.mediabox]
        self.static = static.as_form_xobject()
        self._read_sample(sample)

    def close(self) -> None:
        self.pdf.close()

    def _read_sample(self, page: pikepdf.Page) -> None:
        ops = list(pikepdf.parse_content_stream(page))
        names = [str(op.operator) for op in ops]
        unknown = sorted(set(names) - _PLAIN)
        if unknown or names.count("BT") != 1 or names.count("Tf") != 1 or names.count("Tm") != 1:
            raise StampError(f"the page-number sample is not one plain text run ({', '.join(unknown) or 'shape'})")
        shows = [i for i, n in enumerate(names) if n in ("TJ", "Tj")]
        if len(shows) != 1 or any(n in names for n in ("Tc", "Tw", "Tz", "Td", "Ts")):
            raise StampError("the page-number sample is drawn in several pieces or with spacing")
        for op in ops:
            if str(op.operator) == "gs":  # only "fully opaque", which is the default the stamp draws in anyway
                state = page.Resources.ExtGState[op.operands[0]]
                if any(k not in ("/Type", "/ca", "/CA") or float(v) != 1 for k, v in state.items() if k != "/Type"):
                    raise StampError("the page-number sample uses transparency")
        self.ops = [op for op in ops if str(op.operator) != "gs"]
        self.show_at = next(i for i, op in enumerate(self.ops) if str(op.operator) in ("TJ", "Tj"))
        self.tm_at = next(i for i, op in enumerate(self.ops) if str(op.operator) == "Tm")
        tf = next(op for op in self.ops if str(op.operator) == "Tf")
        self.font = page.Resources.Font[tf.operands[0]]
        self.size = float(tf.operands[1])
        self.tm = [Decimal(str(v)) for v in self.ops[self.tm_at].operands]
        if self.tm[0] != 1:
            raise StampError("the page-number sample is scaled")
        text_map = _to_unicode(self.font)
        self.widths, self.default_width = _widths(self.font)
        shown = self.ops[self.show_at].operands[0]
        items = list(shown) if isinstance(shown, pikepdf.Array) else [shown]
        glyphs: list[tuple[bytes, float]] = []  # (code, adjustment before it)
        adjust = 0.0
        for item in items:
            if isinstance(item, pikepdf.String):
                raw = bytes(item)
                for k in range(0, len(raw), 2):
                    glyphs.append((raw[k:k + 2], adjust))
                    adjust = 0.0
            else:
                adjust += float(item)
        chars = [text_map.get(code, "") for code, _ in glyphs]
        if "".join(chars) != SAMPLE or len(chars) != len(SAMPLE):
            raise StampError("the page-number sample is not one glyph per character")
        self.codes = {ch: code for ch, (code, _) in zip(chars, glyphs, strict=True)}
        self.kerns = {(chars[k - 1], chars[k]): glyphs[k][1] for k in range(1, len(chars))}
        self.right = float(self.tm[4]) + self._width(SAMPLE)

    def _width(self, text: str) -> float:
        """Advance of ``text`` in the sample's text space (TJ adjustments are thousandths, subtracted)."""
        units = sum(self.widths.get(int.from_bytes(self.codes[ch], "big"), self.default_width) for ch in text)
        units -= sum(self.kerns.get((a, b), 0.0) for a, b in itertools.pairwise(text))
        return units * self.size / 1000

    def number(self, n: int) -> bytes:
        """The content-stream instructions drawing "Page ``n`` of N", right-aligned as the sample was."""
        text = f"Page {n} of {self.total}"
        items: list[Any] = []
        run = b""
        for k, ch in enumerate(text):
            kern = self.kerns.get((text[k - 1], ch), 0.0) if k else 0.0
            if kern:
                items += [pikepdf.String(run), kern]
                run = b""
            run += self.codes[ch]
        items.append(pikepdf.String(run))
        ops = list(self.ops)
        tm = list(self.tm)
        tm[4] = Decimal(f"{self.right - self._width(text):.4f}")
        ops[self.tm_at] = pikepdf.ContentStreamInstruction(tm, pikepdf.Operator("Tm"))
        ops[self.show_at] = pikepdf.ContentStreamInstruction([pikepdf.Array(items)], pikepdf.Operator("TJ"))
        return pikepdf.unparse_content_stream(
            [pikepdf.ContentStreamInstruction([FONT_NAME, *op.operands[1:]], op.operator)
             if str(op.operator) == "Tf" else op for op in ops])

    def stamp(self, pdf: pikepdf.Pdf, first: int) -> None:
        """Stamp every page of ``pdf``, whose first page is page ``first + 1`` of the bundle."""
        static = pdf.copy_foreign(self.static)
        font = pdf.copy_foreign(self.font)
        opening = pikepdf.Stream(pdf, b"q\n")  # one shared stream: the page's own drawing keeps its state
        for i, page in enumerate(pdf.pages):
            if [float(v) for v in page.mediabox] != self.media_box:
                raise StampError("a rendered page is not the size of the stamp sheet")
            resources = page.obj.get("/Resources")
            if resources is None:
                raise StampError("a rendered page has no resources")
            _entry(resources, "/XObject")[STATIC_NAME] = static
            _entry(resources, "/Font")[FONT_NAME] = font
            own = pikepdf.Stream(pdf, b"Q\nq " + STATIC_NAME.unparse() + b" Do Q\nq\n"
                                 + self.number(first + i + 1) + b"\nQ\n")
            page.obj.Contents = pikepdf.Array([opening, *_contents(page.obj), own])


def _entry(resources: pikepdf.Dictionary, key: str) -> pikepdf.Dictionary:
    if key not in resources:
        resources[key] = pikepdf.Dictionary()
    return resources[key]


def _contents(page: pikepdf.Dictionary) -> Iterable[pikepdf.Object]:
    contents = page.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]
