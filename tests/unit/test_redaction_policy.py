"""The policy, one row per rule: whose each mention is, and whether it is proposed for redaction."""

from __future__ import annotations

from datetime import date

import pytest

from rights.redaction import RedactionConfig, RedactionContext, Whose, needs_officer, propose
from rights.redaction.policy import NO_TEXT_LAYER
from rights.sources.base import Address, Identity, Involvement

SUBJECT = Identity(
    "Amelia", "Smith", date(2014, 3, 4), previous_names=("Amelia Jones",),
    addresses=(Address(("12 Oak Road", "Shrewsbury"), "SY3 8HQ", True),),
    nhs_number="9434765919", upn="H801200001001", other_ids=(("LCS", "123456"),),
)
INVOLVED = (
    Involvement("Sarah Smith", "family_member", "Mother", "P1"),
    Involvement("Piotr Nowak", "family_member", "Mother's partner", "P2", "4 Elm Close, Telford"),
    Involvement("Jack Smith", "family_member", "Brother", "P3"),
    Involvement("Hope Marsden", "foster_carer", "Foster carer", "P4", "7 Ash Grove, Ludlow"),
    Involvement("Jane Doe", "professional", "Social Worker", "P5"),
    Involvement("Gary Hunt", "professional", "Police Officer", "P6"),
    Involvement("Lucy Green", "professional", "Teacher", "P7"),
)
CONTEXT = RedactionContext(SUBJECT, INVOLVED, INVOLVED, subject_contacts=("07911 123456",))


def _decision(text: str, mention: str, context: RedactionContext = CONTEXT) -> tuple[Whose, bool]:
    start = text.index(mention)
    for p in propose(text, context):
        if p.start == start and p.end == start + len(mention):
            return p.whose, p.redact
    found = [(text[p.start:p.end], p.whose) for p in propose(text, context)]
    raise AssertionError(f"no proposal for {mention!r}: {found}")


@pytest.mark.parametrize(("text", "mention", "whose", "redact"), [
    # the subject's own data, in every form the matcher knows
    ("Visited Amelia Smith at home.", "Amelia Smith", Whose.SUBJECT, False),
    ("Millie was happy.", "Millie", Whose.SUBJECT, False),  # short form from the nickname table
    ("Known as Amelia Jones at school.", "Amelia Jones", Whose.SUBJECT, False),  # previous name
    ("She lives at 12 Oak Road, SY3 8HQ.", "12 Oak Road", Whose.SUBJECT, False),
    ("She lives at 12 Oak Road, SY3 8HQ.", "SY3 8HQ", Whose.SUBJECT, False),
    ("NHS 943 476 5919 checked.", "943 476 5919", Whose.SUBJECT, False),
    ("UPN H801200001001 checked.", "H801200001001", Whose.SUBJECT, False),
    ("LCS 123456 on file.", "LCS 123456", Whose.SUBJECT, False),
    ("She was born 4 March 2014 here.", "4 March 2014", Whose.SUBJECT, False),
    ("Her mobile 07911 123456 works.", "07911 123456", Whose.SUBJECT, False),  # a contact she gave
    # professionals acting in their role
    ("Jane Doe visited.", "Jane Doe", Whose.PROFESSIONAL, False),
    ("Ms Doe visited.", "Ms Doe", Whose.PROFESSIONAL, False),
    ("Lucy Green phoned.", "Lucy Green", Whose.PROFESSIONAL, False),
    ("PC Hunt attended.", "PC Hunt", Whose.PROFESSIONAL, False),
    ("Spoke to the health visitor, Rachel Brown, today.", "Rachel Brown", Whose.PROFESSIONAL, False),
    ("Dr Patel examined her.", "Dr Patel", Whose.PROFESSIONAL, False),
    ("Email from jane.doe@shropshire.gov.uk today.", "jane.doe@shropshire.gov.uk", Whose.PROFESSIONAL, False),
    # third parties
    ("Sarah Smith was upset.", "Sarah Smith", Whose.THIRD_PARTY, True),
    ("Sarah was upset.", "Sarah", Whose.THIRD_PARTY, True),
    ("Mrs Smith was upset.", "Mrs Smith", Whose.THIRD_PARTY, True),  # title + shared surname: the mother
    ("Jack was at school.", "Jack", Whose.THIRD_PARTY, True),  # brother sharing the surname
    ("Jack Smith was at school.", "Jack Smith", Whose.THIRD_PARTY, True),
    ("J. Smith signed.", "J. Smith", Whose.THIRD_PARTY, True),  # the initial is the brother's
    ("Piotr Nowak's car", "Piotr Nowak", Whose.THIRD_PARTY, True),
    ("He stays at 4 Elm Close most nights.", "4 Elm Close", Whose.THIRD_PARTY, True),
    ("Her uncle Kevin Smith rang.", "Kevin Smith", Whose.THIRD_PARTY, True),  # unlisted, shares the surname
    ("Her friend Chloe came.", "Chloe", Whose.THIRD_PARTY, True),
    ("Mr Patel from next door shouted.", "Mr Patel", Whose.THIRD_PARTY, True),
    ("His mobile is 07700 900456.", "07700 900456", Whose.THIRD_PARTY, True),
    ("Her NHS number 401 023 2137 was given.", "401 023 2137", Whose.THIRD_PARTY, True),  # another child's
    ("Email sarah.smith@example.com.", "sarah.smith@example.com", Whose.THIRD_PARTY, True),
])
def test_policy_row(text: str, mention: str, whose: Whose, redact: bool) -> None:
    assert _decision(text, mention) == (whose, redact)


def test_bare_shared_surname_stays() -> None:
    # the shared surname alone identifies no one new: the Smith family is the subject's family
    assert _decision("The Smith family were seen.", "Smith") == (Whose.SUBJECT, False)


def test_bare_surname_inside_subjects_full_name_stays() -> None:
    text = "Amelia Smith and Sarah were seen."
    assert _decision(text, "Amelia Smith") == (Whose.SUBJECT, False)
    assert _decision(text, "Sarah") == (Whose.THIRD_PARTY, True)


def test_title_with_subjects_surname_refers_to_adult_subject_when_no_one_else_shares_it() -> None:
    adult = Identity("Amelia", "Smith", date(1990, 3, 4))
    assert _decision("Ms Smith attended.", "Ms Smith", RedactionContext(adult)) == (Whose.SUBJECT, False)
    child = Identity("Amelia", "Smith", date(2014, 3, 4))
    assert _decision("Ms Smith attended.", "Ms Smith", RedactionContext(child)) == (Whose.THIRD_PARTY, True)


def test_police_can_be_configured_out_of_the_professionals() -> None:
    context = RedactionContext(SUBJECT, INVOLVED, INVOLVED, config=RedactionConfig(police_are_professionals=False))
    assert _decision("Gary Hunt attended.", "Gary Hunt", context) == (Whose.THIRD_PARTY, True)
    assert _decision("Gary Hunt attended.", "Gary Hunt") == (Whose.PROFESSIONAL, False)


def test_roles_kept_are_configuration() -> None:
    config = RedactionConfig(professional_roles=("social worker",))
    context = RedactionContext(SUBJECT, INVOLVED, INVOLVED, config=config)
    assert _decision("Lucy Green phoned.", "Lucy Green", context) == (Whose.THIRD_PARTY, True)
    assert _decision("Jane Doe visited.", "Jane Doe", context) == (Whose.PROFESSIONAL, False)


def test_foster_carers_address_is_redacted_even_where_the_subject_lives() -> None:
    subject = Identity("Amelia", "Smith", date(2014, 3, 4), addresses=(Address(("7 Ash Grove",), "SY8 1AA"),))
    context = RedactionContext(subject, INVOLVED, INVOLVED)
    assert _decision("Placed at 7 Ash Grove.", "7 Ash Grove", context) == (Whose.THIRD_PARTY, True)


def test_every_mention_of_one_person_shares_a_key() -> None:
    text = "Piotr Nowak came. Later Piotr left; Mr Nowak returned and P. Nowak signed."
    keys = {p.key for p in propose(text, CONTEXT) if p.redact}
    assert keys == {"person:P2"}


def test_reasons_explain_the_proposal() -> None:
    reasons = {p.reason for p in propose("Sarah said NHS 401 023 2137.", CONTEXT)}
    assert "listed as involved: family member (Mother)" in reasons
    assert any("check digit valid" in r for r in reasons)


@pytest.mark.parametrize("text", [None, "", "   \n  "])
def test_scan_without_text_layer_is_flagged_not_decided(text: str | None) -> None:
    assert needs_officer(text) == NO_TEXT_LAYER
    assert propose(text, CONTEXT) == []


def test_text_is_not_flagged() -> None:
    assert needs_officer("Home visit.") is None


def test_involvements_from_stored_json() -> None:
    from rights.redaction import involvements_from_json

    stored = [{"name": "Piotr Nowak", "role": "family_member", "job_title": None, "person_id": "P2",
               "address": "4 Elm Close"}, {"name": "", "role": "other"}]
    assert involvements_from_json(stored) == (Involvement("Piotr Nowak", "family_member", None, "P2", "4 Elm Close"),)


def test_stored_values_of_other_types_are_made_text_before_the_detectors_see_them() -> None:
    """A source that stored a person id as a number: the (compiled) detectors get text, and still propose."""
    from rights.redaction import involvements_from_json

    stored = [{"name": "Piotr Nowak", "role": "family_member", "job_title": 7, "person_id": 4711, "address": ""}]
    involved = involvements_from_json(stored)
    assert involved == (Involvement("Piotr Nowak", "family_member", "7", "4711", None),)
    context = RedactionContext(SUBJECT, involved, involved)
    proposals = propose("Amelia said Piotr Nowak shouted at her.", context)
    assert [(p.start, p.end, p.redact) for p in proposals if p.redact] == [(12, 23, True)]


@pytest.mark.parametrize(("text", "mention", "whose", "redact"), [
    ("Rose said she was fine.", "Rose", Whose.THIRD_PARTY, True),  # subject Rose, mother's surname Rose
    ("Rose Frank said she was fine.", "Rose Frank", Whose.SUBJECT, False),
    ("Mum said Frank had left.", "Frank", Whose.THIRD_PARTY, True),  # subject's surname, the partner's given
    ("Mrs Rose came.", "Mrs Rose", Whose.THIRD_PARTY, True),
])
def test_doubt_redacts(text: str, mention: str, whose: Whose, redact: bool) -> None:
    subject = Identity("Rose", "Frank", date(2015, 1, 1))
    involved = (Involvement("Katarzyna Rose", "family_member", "Mother", "M1"),
                Involvement("Frank Osei", "family_member", "Mother's partner", "M2"))
    assert _decision(text, mention, RedactionContext(subject, involved, involved)) == (whose, redact)
