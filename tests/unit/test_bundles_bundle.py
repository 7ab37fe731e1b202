"""The disclosure bundle, checked by reading the PDF it produces (real WeasyPrint, pikepdf, pdftotext)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pikepdf
import pytest

from rights.bundles import bundle, leakcheck, outline, render, sample
from rights.bundles.bundle import BundleError, BundleRecord, Text, WithheldRecord
from tests.unit.bundle_support import META, pdftotext, redacted_record

SOURCES = [
    ("c1", "Children's social care", date(2019, 5, 2), "Strategy meeting",
     "Present: the social worker and [[TP:Margaret Oduya-Fenwick]] of [[TP:14 Larkspur Gardens]].\n\n"
     "Concerns were raised by [[CRIME:Detective Constable Prenderghast]] about the weekend." + " Filler text." * 40),
    ("c2", "Looked after children and care leavers", date(2020, 1, 7), "Placement plan",
     "The foster carers live at [[TP:Quillfeather Cottage, Brindlemoor]]. " + "Routine and school. " * 500),
    ("c3", "Children's social care", date(2018, 3, 9), "Case note",
     "Short note about a visit; [[SWHARM:the worker's view of risk from Uncle Bartholomew]] remains."),
]
WITHHELD = [WithheldRecord("w1", "Children's social care", date(2019, 6, 1), "Court report", "COURT")]
WITHHELD_TEXT = "The guardian's report to the family court about Zephyrine Ashcombe-Vale"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    records, secrets = [], []
    for key, service, day, title, source in SOURCES:
        record, found = redacted_record(key, service, day, title, source)
        records.append(record)
        secrets.extend(found)
    target = tmp_path_factory.mktemp("bundle") / "bundle.pdf"
    # a tiny chunk size forces one chunk per record, so the join and global numbering are exercised
    result = bundle.render_bundle(META, records, WITHHELD, target, render.RenderLimits(workers=2), max_chunk_chars=1)
    return result, secrets


def test_no_redacted_or_withheld_text_anywhere(built):
    result, secrets = built
    assert secrets  # the fixture really had secrets to hide
    assert leakcheck.check(result.path, [*secrets, WITHHELD_TEXT]) == []
    with pikepdf.open(result.path) as pdf:
        meta = " ".join(str(v) for v in pdf.docinfo.values())
        xmp = pdf.Root.Metadata.read_bytes().decode()
    for secret in secrets:
        assert secret not in meta and secret not in xmp


def test_every_code_box_present_where_the_redaction_was(built):
    result, _secrets = built
    text = "\n".join(pdftotext(result.path))
    expected = [m.group(1) for *_r, source in SOURCES for m in re.finditer(r"\[\[([A-Z0-9]+):", source)]
    body = text.split("What the codes mean", 1)[1]
    found = re.findall(r"\b(TP|CRIME|SWHARM)\b", body.split("What it means", 1)[1])
    # the codes table lists each code once; the boxes are the rest
    assert sorted(found) == sorted([*expected, "CRIME", "SWHARM", "TP"])
    assert "COURT" in text and "Court report" in text  # withheld record listed with its code


def test_pages_numbered_one_to_n_with_reference_and_draft(built):
    result, _secrets = built
    pages = pdftotext(result.path)
    assert len(pages) == result.pages > result.front_pages + 3  # the placement plan runs over a page
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {result.pages}" in page
        assert "SAR-2026-0042" in page
        assert "DRAFT" in page


def test_bookmarks_follow_the_index(built):
    result, _secrets = built
    with pikepdf.open(result.path) as pdf:
        marks = outline.outline_entries(pdf)
    services = [(t, p) for t, p, level in marks if level == 1 and t != "Cover and index"]
    records = [(t, p) for t, p, level in marks if level == 2]
    assert [t for t, _p in services] == ["Children's social care", "Looked after children and care leavers"]
    assert records == [(f"{e.title} ({e.date.isoformat()})", e.first_page - 1) for e in result.entries]
    pages = pdftotext(result.path)
    for e in result.entries:  # the page the index names really starts that record
        assert e.title in pages[e.first_page - 1]
        assert re.search(rf"{re.escape(e.title)}.*{e.pages}", "\n".join(pages[: result.front_pages]))
    # grouped by service, then date
    assert [e.key for e in result.entries] == ["c3", "c1", "c2"]


def test_metadata_names_no_one(built):
    result, _secrets = built
    with pikepdf.open(result.path) as pdf:
        info = {k: str(v) for k, v in pdf.docinfo.items()}
    assert info["/Title"].startswith("Your information")
    assert "SAR-2026-0042" in info["/Subject"] and "SAR-2026-0042" in info["/Keywords"]
    for *_r, title, _s in SOURCES:
        assert title not in " ".join(info.values())


def test_gate_finds_a_leak_in_text_outline_and_metadata(tmp_path):
    """Negative control: the same gate flags text that was not redacted."""
    leaky = BundleRecord("x", "Early help", date(2021, 1, 1), "Visit to Ottoline Spraggett",
                         (Text("The address is 9 Wrenfield Row and the carer is Ottoline Spraggett.\n"),))
    target = tmp_path / "leaky.pdf"
    bundle.render_bundle(replace(META, title="Bundle about Ottoline Spraggett"), [leaky], [], target)
    findings = leakcheck.check(target, ["9 Wrenfield Row", "Ottoline Spraggett"])
    places = {f.where.split(" (")[0].split(" /")[0] for f in findings}
    assert {"page 2", "outline", "metadata", "metadata XMP"} <= places
    assert any("pypdf" in f.where for f in findings) and any("pdftotext" in f.where for f in findings)


def test_large_print_gives_more_pages(tmp_path):
    records = sample.records(6)
    normal = bundle.render_bundle(META, records, [], tmp_path / "n.pdf")
    large = bundle.render_bundle(replace(META, large_print=True), records, [], tmp_path / "l.pdf")
    assert large.pages > normal.pages


def test_unknown_code_and_duplicate_records_refused(tmp_path):
    record, _ = redacted_record("a", "Early help", date(2020, 1, 1), "Note", "x [[NOPE:y]] z")
    with pytest.raises(BundleError, match="unknown exemption code"):
        bundle.render_bundle(META, [record], [], tmp_path / "x.pdf")
    ok, _ = redacted_record("a", "Early help", date(2020, 1, 1), "Note", "x")
    with pytest.raises(BundleError, match="twice"):
        bundle.render_bundle(META, [ok], [WithheldRecord("a", "Early help", date(2020, 1, 1), "N", "TP")],
                             tmp_path / "x.pdf")


def test_pdf_a_variant_declared(tmp_path):
    result = bundle.render_bundle(replace(META, pdf_a=True, draft=False), sample.records(3), [], tmp_path / "a.pdf")
    with pikepdf.open(result.path) as pdf:
        assert "/OutputIntents" in pdf.Root
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfaid:part") == "2" and xmp.get("pdfaid:conformance") == "B"
    assert "DRAFT" not in "".join(pdftotext(result.path))


def test_joined_file_is_valid_pdf(built):
    result, _secrets = built
    with pikepdf.open(result.path) as pdf:
        assert pdf.check_pdf_syntax() == []


def test_renumbering_shifts_references_but_not_strings():
    from rights.bundles.pdfjoin import _renumber

    data = rb"<< /A 3 0 R /T (x 3 0 R \( 4 0 R) /H <4142> /K [1 0 R 2.5 6 0 R] /P 7 0 R >>"
    assert _renumber(data, 10, frozenset({7}), 2) == (
        rb"<< /A 13 0 R /T (x 3 0 R \( 4 0 R) /H <4142> /K [11 0 R 2.5 16 0 R] /P 2 0 R >>")


def test_index_in_slices_keeps_numbering_and_order(tmp_path, monkeypatch):
    """A long index is rendered in slices (one row each here): pages and index numbers must still agree."""
    monkeypatch.setattr(bundle, "INDEX_ROWS", 1)
    records = sample.records(8)
    result = bundle.render_bundle(META, records, WITHHELD, tmp_path / "s.pdf")
    pages = pdftotext(result.path)
    assert len(pages) == result.pages
    assert all(f"Page {n} of {result.pages}" in p for n, p in enumerate(pages, start=1))
    front = "\n".join(pages[: result.front_pages])
    assert front.count("Index") == 1 and "Records withheld in full" in front
    for e in result.entries:
        assert e.title in pages[e.first_page - 1] and e.pages in front


def test_footer_shows_council_and_reference_verbatim_whatever_their_characters(tmp_path):
    """Council and reference sit in a CSS string in the footer: quotes, backslashes, ampersands and a closing
    style tag must print as written, and end neither the string nor the stylesheet."""
    meta = replace(META, council_name='Bath & North "East" \\ Somerset</style><p>x', reference="SAR-1 'a'")
    result = bundle.render_bundle(meta, sample.records(3), WITHHELD, tmp_path / "f.pdf")
    pages = pdftotext(result.path)
    for n, page in enumerate(pages, start=1):
        assert 'Bath & North "East" \\ Somerset</style><p>x' in page
        assert "SAR-1 'a'" in page and f"Page {n} of {result.pages}" in page


@pytest.mark.parametrize(("value", "expected"), [
    ("Exampleshire County Council", '"Exampleshire County Council"'),
    ('a"b', '"a\\000022 b"'),
    ("x\\y", '"x\\00005c y"'),
    ("</style>", '"\\00003c \\00002f style\\00003e "'),
    ("a b", '"a b"'),
    ("é", '"\\0000e9 "'),
])
def test_css_string_escapes_everything_but_letters_digits_and_spaces(value, expected):
    assert str(render.css_string(value)) == expected


def _sheet(tmp_path, sample_text: str):  # type: ignore[no-untyped-def]
    """A stamp sheet whose page-number sample reads ``sample_text`` (WeasyPrint lays it out as the footer)."""
    from rights.bundles import parts

    path = tmp_path / f"sheet-{len(sample_text)}.pdf"
    html = render.render_template("bundle_stamp.html", {"meta": META, "sample": sample_text})
    render.write(render.document(html), path)
    assert parts.SAMPLE  # the real sheet's sample, used below
    return path


def _tm_x(stream: bytes) -> float:
    return float(re.search(rb"1 0 0 -1 ([\d.]+) [\d.]+ Tm", stream).group(1))


@pytest.mark.parametrize(("n", "total"), [(1, 9), (7, 12), (123, 8584), (10000, 10000)])
def test_stamped_page_number_lands_where_weasyprint_puts_it(tmp_path, n, total):
    """The stamper typesets "Page n of N" from the sample; WeasyPrint laying out that very text in the footer
    must start it at the same place (right-aligned) with the same glyphs."""
    from rights.bundles import parts, stamp

    stamper = stamp.Stamper(_sheet(tmp_path, parts.SAMPLE), total)
    try:
        ours = stamper.number(n)
    finally:
        stamper.close()
    with pikepdf.open(_sheet(tmp_path, f"Page {n} of {total}")) as laid_out:
        theirs = laid_out.pages[1].Contents.read_bytes()
    assert abs(_tm_x(ours) - _tm_x(theirs)) < 0.2  # CSS px: under a sixth of a point
    glyphs = re.compile(rb"<([0-9a-f]+)>")
    assert b"".join(glyphs.findall(ours)) == b"".join(glyphs.findall(theirs))


def test_stamper_refuses_a_sample_it_cannot_reproduce(tmp_path):
    from rights.bundles import stamp

    with pytest.raises(stamp.StampError, match="one glyph per character"):
        stamp.Stamper(_sheet(tmp_path, "Page 1 of 2"), 2)


def test_records_given_as_a_generator_render_the_same_bundle(tmp_path):
    """Records may stream in (spilled to a temporary file as they come): same pages, same index."""
    listed = bundle.render_bundle(META, sample.records(10), WITHHELD, tmp_path / "l.pdf", max_chunk_chars=9_000)
    streamed = bundle.render_bundle(META, sample.iter_records(10), WITHHELD, tmp_path / "s.pdf",
                                    max_chunk_chars=9_000)
    assert streamed.chunks == listed.chunks > 1
    assert streamed.entries == listed.entries and streamed.pages == listed.pages
    assert pdftotext(streamed.path) == pdftotext(listed.path)


@pytest.mark.parametrize(("name", "pages_for", "start", "expected", "layouts"), [
    # numbers never change the layout: the first count holds
    ("stable", lambda front: [2, 1], [2, 1], [2, 1], 1),
    # real numbers wrap index rows: one more page, whose numbers then fit
    ("grows once", lambda front: [2, 2] if front >= 3 else [2, 1], [2, 1], [2, 2], 2),
    # each added page pushes the numbers past another width: settles on the third layout
    ("grows twice", lambda front: [2, 3] if front >= 4 else [2, 2] if front >= 3 else [2, 1], [2, 1], [2, 3], 3),
])
def test_the_front_matter_is_laid_out_until_its_page_count_holds(name, pages_for, start, expected, layouts):
    """A 10,000-page bundle's index rows wrapped once their real page numbers were in (found by the bench):
    the front matter grew a page and every number moved again."""
    seen: list[int] = []

    def lay_out(front_pages: int):
        seen.append(front_pages)
        return pages_for(front_pages), [front_pages]

    counts, entries = bundle.settle_front(start, lay_out)
    assert counts == expected and len(seen) == layouts
    assert entries == [sum(expected)]  # the entries returned are numbered for the count that held


def test_a_front_matter_that_never_settles_is_refused():
    with pytest.raises(BundleError, match="cannot number the pages"):
        bundle.settle_front([1], lambda front: ([front + 1], []))


def test_counting_a_front_slice_writes_nothing_and_agrees_with_the_written_slice(tmp_path):
    """The first pass over the front matter only counts its pages (no PDF drawn); the count must be the one the
    written slice has, or the settled numbering would start from a wrong guess."""
    from rights.bundles import layout, parts

    entries = [bundle.IndexEntry(f"k{i}", f"r{i}", "Children's social care", date(2020, 1, 1 + i % 28),
                                 f"Record number {i} with a title long enough to wrap " * (1 + i % 3), 0, 0)
               for i in range(60)]
    codes = bundle._code_notes(["TP"])
    html = parts.save(parts.front_html(META, entries, WITHHELD, codes, True, True), tmp_path / "front.html")
    counted, _ = layout.lay_out(html, None, 60)
    target = tmp_path / "front.pdf"
    written, _ = layout.lay_out(html, str(target), 60)
    assert counted == written == len(pdftotext(target)) > 1
    assert sorted(tmp_path.iterdir()) == [tmp_path / "front.html", target]


def test_a_record_whose_anchor_never_reached_a_page_is_an_error():
    from rights.bundles import parts

    assert parts.pages_of(["a", "b"], 3, {"a": 0, "b": 1, "c": 2}) == ({"a": 0, "b": 1}, {"a": 0, "b": 2})
    with pytest.raises(BundleError, match="1 record"):
        parts.pages_of(["a", "b"], 3, {"a": 0})
