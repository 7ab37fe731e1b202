"""Every letter kind renders to a PDF that says what the law needs it to say."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from rights import privacy_notice
from rights.bundles import letters, render
from rights.bundles.letters import LETTER_KINDS, Letter, Searched, Withheld
from rights.redaction.codes import CODES
from tests.unit.bundle_support import pdftotext

NOTICE = privacy_notice.load()
COUNCIL = "Exampleshire County Council"
BASE = Letter(kind="acknowledgement", reference="SAR-2026-0042", letter_date=date(2026, 11, 30),
              recipient_name="Sam Example", recipient_address=("1 Any Street", "Countytown", "CT2 2BB"),
              received=date(2026, 10, 1), due=date(2026, 10, 31))
NEEDS = {"clarification": {"reasons": "Which years of your care file do you want?"},
         "extension": {"reasons": "Your file holds over 9,000 pages held across four systems."},
         "refusal": {"reasons": "The request repeats one we answered in full last month."},
         "rectification_outcome": {"outcome": "partly", "statement": "The requester disputes the date of the move."},
         "erasure_outcome": {"outcome": "refused", "reasons": "We must keep care records until age 75."},
         "restriction_outcome": {"outcome": "done"}, "objection_outcome": {"outcome": "refused"},
         "complaint_outcome": {"outcome": "not_upheld", "reasons": "We met the deadline."},
         "access_response": {"searched": (Searched("Children's social care records", "212 records"),),
                             "records_disclosed": 212, "records_withheld": 3, "bundle_pages": 640,
                             "codes_used": ("TP", "SWHARM", "COURT")}}


def _text(tmp_path, letter: Letter) -> str:
    path = tmp_path / f"{letter.kind}.pdf"
    render.document(letters.letter_html(letter, NOTICE, COUNCIL)).write_pdf(path)
    return " ".join(" ".join(pdftotext(path)).split())


@pytest.mark.parametrize("kind", sorted(LETTER_KINDS))
def test_every_kind_renders_with_letterhead_reference_and_dates(tmp_path, kind):
    letter = replace(BASE, kind=kind, **NEEDS.get(kind, {}))
    text = _text(tmp_path, letter)
    heading, _required = LETTER_KINDS[kind]
    for expected in (heading, COUNCIL, NOTICE.contact.email, "SAR-2026-0042", "Dear Sam Example",
                     "1 October 2026", "Page 1 of"):
        assert " ".join(expected.split()) in text, (kind, expected)
    for value in NEEDS.get(kind, {}).values():
        if isinstance(value, str) and len(value) > 12:
            assert value in text, (kind, value)
    if kind in ("refusal", "extension", "complaint_outcome", "complaint_ack") or kind.endswith("_outcome"):
        assert "Information Commissioner" in text and NOTICE.ico_phone in text, kind


def test_access_response_has_every_art15_item_and_the_codes(tmp_path):
    letter = replace(BASE, kind="access_response", **NEEDS["access_response"])
    text = _text(tmp_path, letter)
    clip = lambda s: " ".join(s.split())[:60]  # noqa: E731 - long items wrap; their start is enough
    items = [*NOTICE.purposes, *NOTICE.categories, *NOTICE.recipients, *NOTICE.sources, *NOTICE.rights,
             NOTICE.retention, NOTICE.automated_decision_making, NOTICE.complaints_council, NOTICE.complaints_ico,
             NOTICE.ico_address, NOTICE.ico_url, NOTICE.contact.dpo]
    missing = [item for item in items if clip(item) not in text]
    assert missing == []
    for heading in ("purposes", "categories", "recipients", "retention", "source", "Automated decision",
                    "Transfers outside the UK", "Your rights"):
        assert heading in text
    for code in ("TP", "SWHARM", "COURT"):
        assert f"{code} DPA 2018 {CODES[code].reference}" in text and CODES[code].meaning[:40] in text
    assert "212 records" in text and "640 pages" in text


SEARCHED = (Searched("Children's social care records", "nothing"), Searched("Early help records", "2 records"))


@pytest.mark.parametrize(("withheld", "says", "never"), [
    ((), "we do not hold any personal information about you", ("in a bundle of", "withhold")),
    ((Withheld("Early help", date(2019, 6, 1), "Court report", "COURT"),
      Withheld("Early help", None, "Police disclosure", "CRIME")),
     "withhold them in full, so this letter is our whole response", ("in a bundle of", "bundle shows")),
])
def test_access_response_without_a_bundle_says_what_was_searched_and_why_nothing_is_sent(tmp_path, withheld,
                                                                                           says, never):
    """Nothing held, or every record withheld: the letter is the whole response, with the searches, every
    withheld record and its code, and all the Art 15 information."""
    letter = replace(BASE, kind="access_response", searched=SEARCHED, records_disclosed=0,
                     records_withheld=len(withheld), withheld=withheld,
                     codes_used=tuple(sorted({w.code for w in withheld})))
    text = _text(tmp_path, letter)
    assert says in text and "our whole response" in text
    assert "Children's social care records nothing" in text and "Early help records 2 records" in text
    for phrase in never:
        assert phrase not in text
    for w in withheld:
        assert f"{w.title} {w.service}" in text and f"{w.code} DPA 2018 {CODES[w.code].reference}" in text
    assert "1 June 2019" in text or not withheld
    for heading in ("purposes", "categories", "recipients", "retention", "source", "Your rights"):
        assert heading in text
    assert NOTICE.ico_url in text and " ".join(NOTICE.complaints_ico.split())[:60] in text


def test_access_response_without_a_bundle_must_list_every_withheld_record():
    with pytest.raises(ValueError, match="must list every record withheld"):
        letters.check(replace(BASE, kind="access_response", records_withheld=2,
                              withheld=(Withheld("Early help", None, "Report", "COURT"),)))


def test_letter_refuses_missing_reasons_and_unknown_codes():
    with pytest.raises(ValueError, match="needs: reasons"):
        letters.check(replace(BASE, kind="refusal"))
    with pytest.raises(ValueError, match="outcome must be one of"):
        letters.check(replace(BASE, kind="erasure_outcome", outcome="upheld"))
    with pytest.raises(ValueError, match="unknown exemption"):
        letters.check(replace(BASE, kind="access_response", codes_used=("SECRET",)))


def test_record_like_text_in_a_letter_is_escaped(tmp_path):
    letter = replace(BASE, kind="refusal", reasons='<img src="file:///etc/passwd"> <b>bold</b>')
    text = _text(tmp_path, letter)
    assert '<img src="file:///etc/passwd">' in text and "root:x:0:0" not in text


def test_render_letter_isolated_large_print_and_draft(tmp_path):
    normal = letters.render_letter(BASE, NOTICE, COUNCIL)
    large = letters.render_letter(replace(BASE, large_print=True, draft=True), NOTICE, COUNCIL)
    (tmp_path / "n.pdf").write_bytes(normal)
    (tmp_path / "l.pdf").write_bytes(large)
    assert normal.startswith(b"%PDF")
    assert len(pdftotext(tmp_path / "l.pdf")) > len(pdftotext(tmp_path / "n.pdf"))
    assert "DRAFT" in " ".join(pdftotext(tmp_path / "l.pdf"))
