"""Join rendered PDF parts into one file by streaming, so memory does not grow with the bundle.

Why not ``pikepdf`` ``pages.extend`` and ``save``: qpdf keeps every copied page's object graph in memory
until it writes, about 50 KB a page here, so a 10,000-page bundle costs the joining process half a
gigabyte. Here each part is opened on its own (pikepdf reads it), its objects are written straight to the
output with their numbers shifted past the previous parts', and the part is closed before the next. What the
writer keeps is one file offset per object and one number per page. The page tree, bookmarks, document info
and XMP metadata are written at the end, then a classic cross-reference table.

Object references are renumbered in each object's serialised form (qpdf's ``unparse``), which escapes
parentheses inside literal strings, so a reference pattern can only be matched outside strings: the regex
skips literal and hex strings whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import pikepdf

_TOKEN = re.compile(rb"\((?:[^()\\]|\\.)*\)|<(?!<)[0-9A-Fa-f\s]*>|(?<![\d.])(\d+) (\d+) R(?![A-Za-z0-9])", re.S)


def pdf_text(value: str) -> bytes:
    """A PDF text string as UTF-16BE hex with BOM: any characters, nothing to escape."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


@dataclass
class Bookmark:
    title: str
    page: int  # 0-based page in the joined file
    children: list[Bookmark] = field(default_factory=list)


@dataclass
class _Writer:
    out: BinaryIO
    offsets: dict[int, int] = field(default_factory=dict)
    next_num: int = 1

    def reserve(self) -> int:
        num = self.next_num
        self.next_num += 1
        return num

    def write_object(self, num: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[num] = self.out.tell()
        self.out.write(b"%d 0 obj\n" % num)
        self.out.write(body)
        if stream is not None:
            self.out.write(b"\nstream\n")
            self.out.write(stream)
            self.out.write(b"\nendstream")
        self.out.write(b"\nendobj\n")


def _renumber(data: bytes, base: int, tree: frozenset[int] = frozenset(), pages_num: int = 0) -> bytes:
    """Shift every reference by ``base``; references to the part's page tree go to the joined tree."""
    def swap(m: re.Match[bytes]) -> bytes:
        if m[1] is None:
            return m[0]
        num = int(m[1])
        return b"%d 0 R" % (pages_num if num in tree else base + num)

    return _TOKEN.sub(swap, data)


def join(parts: Sequence[str | Path], target: str | Path, *, bookmarks: Sequence[Bookmark] = (),
         info: dict[str, str] | None = None, xmp: bytes | None = None, output_intents_from_first: bool = False,
         each_part: Callable[[pikepdf.Pdf, int], None] | None = None) -> int:
    """Concatenate ``parts`` into ``target``; returns the number of pages written.

    ``each_part(pdf, first)`` may change a part in memory before it is written (the bundle stamps its footers
    there); ``first`` is the 0-based page its first page becomes."""
    with open(target, "wb") as fh:
        w = _Writer(fh)
        fh.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        pages_num = w.reserve()
        page_nums: list[int] = []
        output_intents = b""
        for index, part in enumerate(parts):
            with pikepdf.open(part) as src:
                if each_part is not None:
                    each_part(src, len(page_nums))
                base = w.next_num - 1
                tree = frozenset(p.objgen[0] for p in _page_tree_nodes(src.Root.Pages))
                skip = {src.Root.objgen[0], *tree}
                highest = 0
                for obj in src.objects:
                    num = obj.objgen[0]
                    highest = max(highest, num)
                    if num in skip or num == 0:
                        continue
                    if isinstance(obj, pikepdf.Stream):
                        raw = obj.read_raw_bytes()
                        sdict = obj.stream_dict
                        if sdict.get("/Type") in (pikepdf.Name.ObjStm, pikepdf.Name.XRef):
                            continue
                        if "/Length" in sdict:
                            del sdict["/Length"]
                        body = _renumber(sdict.unparse(resolved=True), base, tree, pages_num)
                        body = body[:-2] + b" /Length %d >>" % len(raw)
                        w.write_object(base + num, body, raw)
                    else:
                        w.write_object(base + num, _renumber(obj.unparse(resolved=True), base, tree, pages_num))
                for page in src.pages:
                    page_nums.append(base + page.objgen[0])
                if index == 0 and output_intents_from_first and "/OutputIntents" in src.Root:
                    output_intents = _renumber(src.Root.OutputIntents.unparse(resolved=True), base)
                w.next_num = base + highest + 1
        kids = b" ".join(b"%d 0 R" % n for n in page_nums)
        w.write_object(pages_num, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(page_nums), kids))
        outline_num = _write_outline(w, bookmarks, page_nums) if bookmarks else None
        catalog = [b"/Type /Catalog", b"/Pages %d 0 R" % pages_num]
        if outline_num:
            catalog += [b"/Outlines %d 0 R" % outline_num, b"/PageMode /UseOutlines"]
        if xmp is not None:
            xmp_num = w.reserve()
            w.write_object(xmp_num, b"<< /Type /Metadata /Subtype /XML /Length %d >>" % len(xmp), xmp)
            catalog.append(b"/Metadata %d 0 R" % xmp_num)
        if output_intents:
            catalog.append(b"/OutputIntents " + output_intents)
        catalog_num = w.reserve()
        w.write_object(catalog_num, b"<< " + b" ".join(catalog) + b" >>")
        info_num = None
        if info:
            info_num = w.reserve()
            w.write_object(info_num, b"<< " + b" ".join(b"/%s %s" % (k.encode(), pdf_text(v))
                                                      for k, v in info.items()) + b" >>")
        _write_xref(w, catalog_num, info_num)
    return len(page_nums)


def _page_tree_nodes(node: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    nodes = [node]
    for kid in node.get("/Kids", []):
        if kid.get("/Type") == pikepdf.Name.Pages:
            nodes.extend(_page_tree_nodes(kid))
    return nodes


def _write_outline(w: _Writer, bookmarks: Sequence[Bookmark], page_nums: list[int]) -> int:
    root = w.reserve()

    def level(items: Sequence[Bookmark], parent: int) -> tuple[int, int, int]:
        nums = [w.reserve() for _ in items]
        total = 0
        for i, (item, num) in enumerate(zip(items, nums, strict=True)):
            fields = [b"/Title " + pdf_text(item.title), b"/Parent %d 0 R" % parent,
                      b"/Dest [%d 0 R /XYZ null null null]" % page_nums[item.page]]
            if i:
                fields.append(b"/Prev %d 0 R" % nums[i - 1])
            if i + 1 < len(nums):
                fields.append(b"/Next %d 0 R" % nums[i + 1])
            if item.children:
                first, last, count = level(item.children, num)
                fields += [b"/First %d 0 R" % first, b"/Last %d 0 R" % last, b"/Count %d" % -count]
                total += count
            w.write_object(num, b"<< " + b" ".join(fields) + b" >>")
        return nums[0], nums[-1], total + len(items)

    first, last, count = level(bookmarks, root)
    w.write_object(root, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (first, last, count))
    return root


def _write_xref(w: _Writer, catalog: int, info: int | None) -> None:
    start = w.out.tell()
    size = w.next_num
    w.out.write(b"xref\n0 %d\n" % size)
    w.out.write(b"0000000000 65535 f\r\n")
    for num in range(1, size):
        offset = w.offsets.get(num)
        w.out.write(b"%010d 00000 n\r\n" % offset if offset is not None else b"0000000000 00000 f\r\n")
    file_id = os.urandom(16).hex().encode()
    trailer = [b"/Size %d" % size, b"/Root %d 0 R" % catalog, b"/ID [<%s> <%s>]" % (file_id, file_id)]
    if info:
        trailer.append(b"/Info %d 0 R" % info)
    w.out.write(b"trailer\n<< " + b" ".join(trailer) + b" >>\nstartxref\n%d\n%%%%EOF\n" % start)


def xmp_packet(title: str, description: str, keywords: str, creator: str, *, pdf_a: bool) -> bytes:
    """Minimal XMP: the same title, subject and keywords as the document info (PDF/A requires both agree)."""
    pdfaid = ('<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
              "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>"
              if pdf_a else "")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(description)}</rdf:li></rdf:Alt>'
        f"</dc:description><dc:creator><rdf:Seq><rdf:li>{escape(creator)}</rdf:li></rdf:Seq></dc:creator>"
        "</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
        f"<pdf:Keywords>{escape(keywords)}</pdf:Keywords><pdf:Producer>Rights Desk</pdf:Producer></rdf:Description>"
        f"{pdfaid}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()
