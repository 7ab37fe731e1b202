"""Each detector, one row per case: what it must find (kind, text) and what it must leave alone."""

from __future__ import annotations

from datetime import date

import pytest

from rights import identifiers
from rights.redaction import RedactionConfig, RedactionContext, detect
from rights.redaction.identifiers import find_identifiers, nhs_valid, nino_valid, parse_date, vehicle_valid
from rights.redaction.model import Kind
from rights.sources.base import Address, Identity, Involvement

CONFIG = RedactionConfig()


def _found(text: str) -> set[tuple[Kind, str]]:
    return {(s.kind, text[s.start:s.end]) for s in find_identifiers(text, CONFIG)}


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("Mum's mobile 07700 900123 today", Kind.PHONE, "07700 900123"),
    ("call 07911123456.", Kind.PHONE, "07911123456"),
    ("office 01743 252000", Kind.PHONE, "01743 252000"),
    ("ring +44 7911 123456 now", Kind.PHONE, "+44 7911 123456"),
    ("(01743) 252 000 is the office", Kind.PHONE, "(01743) 252 000"),
    ("email sarah.n@example.com.", Kind.EMAIL, "sarah.n@example.com"),
    ("email zoë.dsouza@example.co.uk", Kind.EMAIL, "zoë.dsouza@example.co.uk"),
    ("lives in SY3 8HQ now", Kind.POSTCODE, "SY3 8HQ"),
    ("postcode sy38hq", Kind.POSTCODE, "sy38hq"),
    ("moved to 12 Oak Road, Shrewsbury last week", Kind.ADDRESS, "12 Oak Road, Shrewsbury"),
    ("at Flat 3, 21 Castle Court", Kind.ADDRESS, "Flat 3, 21 Castle Court"),
    ("NHS 943 476 5919", Kind.NHS, "943 476 5919"),
    ("NHS 9434765919.", Kind.NHS, "9434765919"),
    ("NI AB123456C", Kind.NINO, "AB123456C"),
    ("NI JG 10 37 56 A", Kind.NINO, "JG 10 37 56 A"),
    ("born 22 December 1992 in Leeds", Kind.DOB, "22 December 1992"),
    ("DOB 22/12/1992", Kind.DOB, "22/12/1992"),
    ("date of birth: 3rd March 2011", Kind.DOB, "3rd March 2011"),
    ("D.O.B. Dec 22, 1992", Kind.DOB, "Dec 22, 1992"),
    ("car AB51 ABC outside", Kind.VEHICLE, "AB51 ABC"),
    ("car YH70TCL outside", Kind.VEHICLE, "YH70TCL"),
    ("sort code 12-34-56, account 12345678", Kind.BANK, "12-34-56"),
    ("sort code 12-34-56, account 12345678", Kind.BANK, "12345678"),
    ("IBAN GB82WEST12345698765432", Kind.BANK, "GB82WEST12345698765432"),
    ("UPN H801200001001", Kind.UPN, "H801200001001"),
    ("LCS 123456 on file", Kind.PERSON_ID, "LCS 123456"),
    ("CRN X123456", Kind.PERSON_ID, "CRN X123456"),
    ("PRN A1234BC", Kind.PERSON_ID, "PRN A1234BC"),
])
def test_identifier_found(text: str, kind: Kind, value: str) -> None:
    assert (kind, value) in _found(text)


@pytest.mark.parametrize(("text", "kind"), [
    ("NHS 943 476 5918", Kind.NHS),  # wrong check digit
    ("NHS 999 999 9999", Kind.NHS),  # repeated digits
    ("NHS 999 123 4567", Kind.NHS),  # 999 test range
    ("NI DA123456C", Kind.NINO),  # D never first
    ("NI AO123456C", Kind.NINO),  # O never second
    ("NI GB123456A", Kind.NINO),  # prefix never issued
    ("NI TN123456A", Kind.NINO),  # temporary prefix
    ("NI AB123456E", Kind.NINO),  # suffix A-D only
    ("plate AB99 ABC", Kind.VEHICLE),  # no such age identifier
    ("UPN H801200001002", Kind.UPN),  # wrong check letter
    ("the 12345678 pages", Kind.BANK),  # eight digits with no bank cue
    ("born to be wild", Kind.DOB),
    ("IBAN GB82WEST12345698765431", Kind.BANK),  # wrong check digits
    ("ref 123 45", Kind.PHONE),
])
def test_identifier_refused(text: str, kind: Kind) -> None:
    assert not any(k is kind for k, _ in _found(text))


@pytest.mark.parametrize(("value", "valid"), [
    ("9434765919", True), ("943 476 5919", True), ("9434765918", False), ("0000000000", False),
    ("9991234567", False),
])
def test_nhs_valid(value: str, valid: bool) -> None:
    assert nhs_valid(value) is valid


def test_identifiers_module_uses_stdnum_and_keeps_its_names() -> None:
    assert identifiers.nhs_check_digit("943476591") == 9
    assert identifiers.nhs_number_valid("943 476 5919")
    assert identifiers.upn_check_letter("801200001001") == "H"
    assert identifiers.upn_valid("H801200001001")
    assert not identifiers.upn_valid("H801200001002")


@pytest.mark.parametrize(("value", "valid"), [("AB123456C", True), ("BG123456A", False), ("QQ123456C", False)])
def test_nino_valid(value: str, valid: bool) -> None:
    assert nino_valid(value) is valid


@pytest.mark.parametrize(("value", "valid"), [("AB51 ABC", True), ("AB02ABC", True), ("AB30 ABC", False)])
def test_vehicle_valid(value: str, valid: bool) -> None:
    assert vehicle_valid(value) is valid


@pytest.mark.parametrize(("text", "expected"), [
    ("22 December 1992", date(1992, 12, 22)), ("22/12/1992", date(1992, 12, 22)),
    ("Dec 22, 1992", date(1992, 12, 22)), ("1st of March 2011", date(2011, 3, 1)), ("31/02/2011", None),
])
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_person_id_patterns_are_configuration() -> None:
    config = RedactionConfig(person_id_patterns=(("MOSAIC", r"\bM\d{7}\b"),))
    spans = list(find_identifiers("Mosaic id M1234567 and LCS 123456", config))
    assert [(s.kind, s.key) for s in spans] == [(Kind.PERSON_ID, "person_id:MOSAIC:M1234567")]


# ---------------------------------------------------------------- names

SUBJECT = Identity("Amelia", "Smith", date(2014, 3, 4), previous_names=("Amelia Jones",),
                   addresses=(Address(("12 Oak Road", "Shrewsbury"), "SY3 8HQ"),))
INVOLVED = (
    Involvement("Sarah Smith", "family_member", "Mother", "P1"),
    Involvement("Piotr Nowak", "family_member", "Mother's partner", "P2", "4 Elm Close, Telford"),
    Involvement("Sean O'Brien", "family_member", "Father", "P3"),
    Involvement("Kerry Smith-Jones", "foster_carer", "Foster carer", "P4"),
    Involvement("Hope Marsden", "family_member", "Aunt", "P5"),
    Involvement("Jane Doe", "professional", "Social Worker", "P6"),
)
CONTEXT = RedactionContext(SUBJECT, INVOLVED, INVOLVED)


def _names(text: str, context: RedactionContext = CONTEXT) -> dict[str, str]:
    """Each name span found, as its text -> the key of whom it may be."""
    return {text[s.start:s.end]: s.key for s in detect(text, context) if s.kind is Kind.NAME}


@pytest.mark.parametrize(("text", "mention", "key"), [
    ("Seen with Piotr Nowak today.", "Piotr Nowak", "person:P2"),
    ("Later Piotr came round.", "Piotr", "person:P2"),
    ("He said Nowak was not there.", "Nowak", "person:P2"),
    ("Then Mr Nowak left.", "Mr Nowak", "person:P2"),
    ("Then Mr. Nowak left.", "Mr. Nowak", "person:P2"),
    ("Letter from P. Nowak arrived.", "P. Nowak", "person:P2"),
    ("Letter from P Nowak arrived.", "P Nowak", "person:P2"),
    ("She took Nowak's car.", "Nowak", "person:P2"),
    ("PIOTR NOWAK signed.", "PIOTR NOWAK", "person:P2"),
    ("the note said piotr was angry", "piotr", "person:P2"),
    ("Dad Sean O'Brien called.", "Sean O'Brien", "person:P3"),
    ("Mr O'Brien's view.", "Mr O'Brien", "person:P3"),
    ("Placed with Kerry Smith-Jones.", "Kerry Smith-Jones", "person:P4"),
    ("Mrs Smith-Jones agreed.", "Mrs Smith-Jones", "person:P4"),
    ("Her aunt Hope visited.", "Hope", "person:P5"),
    ("Amelia said hello.", "Amelia", "subject"),
    ("Millie said hello.", "Millie", "subject"),  # a short form the nickname table knows
])
def test_listed_person_found(text: str, mention: str, key: str) -> None:
    assert _names(text).get(mention) == key


@pytest.mark.parametrize(("text", "mention"), [
    ("Mr Patel from next door shouted.", "Mr Patel"),
    ("Her partner, Darren Walsh, was there.", "Darren Walsh"),
    ("a friend called Oluwaseun came", "Oluwaseun"),
    ("She went out with Chiamaka Okafor on Friday.", "Chiamaka Okafor"),
    ("Rose said she was scared.", "Rose"),  # a reporting verb after an ordinary-word name
    ("his mother Summer attended", "Summer"),
    ("Zuzanna Al-Sayed (DOB 02/02/2014) disclosed", "Zuzanna Al-Sayed"),
    ("met Noah Van der Berg at school", "Noah Van der Berg"),
    ("Mrs Bright attended.", "Mrs Bright"),
])
def test_unlisted_name_found(text: str, mention: str) -> None:
    assert mention in _names(text)


@pytest.mark.parametrize("text", [
    "We hope the summer holidays go well.",
    "Will review in May.",
    "I will hope for the best.",
    "A frank discussion was held with a bright child.",
    "Young people's service informed.",
    "Visit on Monday 3 June.",
    "Summer term report due.",
    "Walked along Brook Street to the Moss Lane shops.",
    "Hope was expressed that things improve.",
    "Mum will bring her.",
])
def test_ordinary_words_are_not_names(text: str) -> None:
    context = RedactionContext(SUBJECT)  # no one listed named Hope or Will
    assert _names(text, context) == {}


def test_known_people_of_other_sources_are_found() -> None:
    context = RedactionContext(SUBJECT, known_people=frozenset({"Will Moss"}))
    assert "Will Moss" in _names("at the park will moss and Will Moss were seen", context)


def test_involved_address_found_in_any_case() -> None:
    spans = [s for s in detect("he stays at 4 elm close most nights", CONTEXT) if s.kind is Kind.ADDRESS]
    assert [s.people[0].key for s in spans] == ["person:P2"]
