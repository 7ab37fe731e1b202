"""The portal's pure rules, table-driven: the question flow, dates, files, references, the notice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from wtforms.meta import DefaultMeta

from forms.portal import GovDateField, today
from rights import journey, privacy_notice, progress, submission, uploads
from tests.portal_journeys import EXE, JPEG, PDF, PNG


def answers_for(kind: str, role: str) -> dict[str, dict[str, object]]:
    return {"who": {"role": role}, "type": {"kind": kind}}


COMMON = ["name", "previous-names", "date-of-birth", "address", "previous-addresses", "nhs-number", "services"]
TAIL = ["contact", "format", "adjustments"]


@pytest.mark.parametrize(("kind", "role", "expected"), [
    ("access", "self_adult", ["who", "type", *COMMON, "period", "details", "proof-of-id", *TAIL]),
    ("access", "self_child", ["who", "type", *COMMON, "period", "details", "proof-of-id", *TAIL]),
    ("erasure", "parent", ["who", "type", "requester", "child", *COMMON, "period", "details", "proof-of-id", *TAIL]),
    ("rectification", "representative",
     ["who", "type", "requester", "authority", *COMMON, "period", "details", "proof-of-id", *TAIL]),
    ("complaint", "self_adult", ["who", "type", *COMMON, "details", *TAIL]),
    ("complaint", "representative", ["who", "type", "requester", "authority", *COMMON, "details", *TAIL]),
])
def test_path_branches_by_requester_and_type(kind: str, role: str, expected: list[str]) -> None:
    assert journey.path(answers_for(kind, role)) == expected


@pytest.mark.parametrize(("role", "audience"), [
    ("self_adult", "self"), ("self_child", "young"), ("parent", "parent"), ("representative", "representative"),
    (None, "self"),
])
def test_audience(role: str | None, audience: str) -> None:
    assert journey.audience({"who": {"role": role}} if role else {}) == audience


def test_next_previous_and_no_skipping() -> None:
    a: dict[str, dict[str, object]] = answers_for("access", "self_adult")
    assert journey.next_step(a, "type") == "name"
    assert journey.previous_step(a, "name") == "type"
    assert journey.previous_step(a, "who") is None
    assert journey.can_visit(a, "name") and not journey.can_visit(a, "address")
    assert not journey.can_visit(a, "requester")  # not on this requester's path
    assert journey.first_incomplete(a) == "name"


def test_answers_for_another_role_or_type_do_not_count() -> None:
    a = answers_for("access", "representative")
    a["requester"] = {"role": "parent", "given_names": "Sam"}  # given before the role changed
    assert journey.first_incomplete(a) == "requester"
    a["requester"]["role"] = "representative"
    a["authority"] = {"documents": [1]}  # a file but no kind of authority yet
    assert journey.first_incomplete(a) == "authority"
    a["authority"]["basis"] = "court_order"
    assert journey.first_incomplete(a) == "name"
    full = {**a, **{s: {} for s in COMMON}, "period": {}, "details": {"kind": "erasure"}, "proof-of-id": {},
            "contact": {"role": "representative"}, "format": {}, "adjustments": {}}
    assert journey.first_incomplete(full) == "details"  # details were for another type
    full["details"] = {"kind": "access"}
    assert journey.is_complete(full)


def test_change_goes_back_to_check_unless_a_new_page_opened() -> None:
    a = answers_for("access", "self_adult")
    full = {**a, **{s: {} for s in COMMON}, "period": {}, "details": {"kind": "access"}, "proof-of-id": {},
            "contact": {"role": "self_adult"}, "format": {}, "adjustments": {}}
    assert journey.next_step(full, "name", changing=True) == journey.CHECK
    full["who"] = {"role": "parent"}
    assert journey.next_step(full, "who", changing=True) == "requester"


# ---------------------------------------------------------------- dates


def parse(day: str, month: str, year: str) -> tuple[str | None, date | None]:
    field = GovDateField(what="Date of birth").bind(None, "dob", _meta=DefaultMeta())
    field.process_formdata([day, month, year])
    return field.problem, field.data


NEXT_YEAR = str(today().year + 1)


@pytest.mark.parametrize(("parts", "problem", "value"), [
    (("17", "5", "1990"), None, date(1990, 5, 17)),
    ((" 7 ", "05", "2012"), None, date(2012, 5, 7)),
    (("29", "2", "2024"), None, date(2024, 2, 29)),
    (("29", "2", "2023"), "Date of birth must be a real date", None),
    (("31", "4", "2010"), "Date of birth must be a real date", None),
    (("0", "1", "2010"), "Date of birth must be a real date", None),
    (("1", "1", NEXT_YEAR), "Date of birth must be in the past", None),
    (("", "", ""), "Enter date of birth", None),
    (("", "5", "2010"), "Date of birth must include a day", None),
    (("1", "", ""), "Date of birth must include a month and year", None),
    (("1", "2", "99"), "Year must include 4 numbers", None),
    (("1", "2", "1899"), "Date of birth must be the same as or after 1 January 1900", None),
    (("1st", "2", "2010"), "Date of birth must be a real date", None),
])
def test_date_of_birth_rules(parts: tuple[str, str, str], problem: str | None, value: date | None) -> None:
    assert parse(*parts) == (problem, value)


def test_today_is_not_in_the_future() -> None:
    d = today()
    assert parse(str(d.day), str(d.month), str(d.year)) == (None, d)
    tomorrow = d + timedelta(days=1)
    assert parse(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))[0] == "Date of birth must be in the past"


# ---------------------------------------------------------------- files


@pytest.mark.parametrize(("content", "name", "expected"), [
    (PDF, "scan.pdf", ("application/pdf", "scan.pdf")),
    (PDF, "scan", ("application/pdf", "scan.pdf")),
    (PNG, "photo.jpg", ("image/png", "photo.png")),
    (JPEG, "../../etc/passwd", ("image/jpeg", "passwd.jpg")),
    (JPEG, 'a<b>"c".jpeg', ("image/jpeg", "abc.jpg")),
])
def test_files_are_identified_by_content(content: bytes, name: str, expected: tuple[str, str]) -> None:
    checked = uploads.check(content, name, 10_000)
    assert (checked.content_type, checked.filename) == expected


@pytest.mark.parametrize(("content", "message"), [
    (EXE, "The selected file must be a PDF, JPG or PNG"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "The selected file must be a PDF, JPG or PNG"),
    (b"<html><script>alert(1)</script></html>", "The selected file must be a PDF, JPG or PNG"),
    (b"PK\x03\x04" + b"\x00" * 100, "The selected file must be a PDF, JPG or PNG"),
    (b"", "The selected file is empty"),
    (PDF + b"0" * 20_000, "The selected file must be smaller than 19 KB"),
])
def test_files_refused(content: bytes, message: str) -> None:
    with pytest.raises(uploads.UploadRejected, match="^" + message.replace("(", r"\(") + "$"):
        uploads.check(content, "x.pdf", 20_000)


def test_human_size() -> None:
    assert uploads.human_size(10 * 1024 * 1024) == "10 MB"
    assert uploads.human_size(512 * 1024) == "512 KB"


# ---------------------------------------------------------------- references, stages, evidence, the notice


@pytest.mark.parametrize(("typed", "normal"), [
    ("SAR-2026-00001", "SAR-2026-00001"), ("sar 2026 00001", "SAR-2026-00001"), (" dpc-2026-00012 ", "DPC-2026-00012"),
    ("sar202600004", "SAR-2026-00004"), ("Sar 2026-00004", "SAR-2026-00004"), ("sar_2026_00004", "SAR-2026-00004"),
])
def test_reference_normalised(typed: str, normal: str) -> None:
    assert progress.normalise_reference(typed) == normal


def test_every_workflow_state_has_plain_words() -> None:
    from rights import workflow

    for state in workflow.STATE_LABELS:
        assert progress.stage_words(state) != progress.DEFAULT_STAGE, state


@pytest.mark.parametrize(("kind", "role", "id_docs", "pending"), [
    ("access", "self_adult", [1], False),
    ("access", "self_adult", [], True),
    ("access", "parent", [1], True),
    ("erasure", "representative", [1], True),
    ("complaint", "self_adult", [], False),
])
def test_due_date_is_provisional_while_evidence_may_be_asked_for(kind: str, role: str, id_docs: list[int],
                                                                 pending: bool) -> None:
    answers = {**answers_for(kind, role), "proof-of-id": {"documents": id_docs}}
    assert submission.evidence_awaited(answers) is pending


def test_privacy_notice_configuration() -> None:
    notice = privacy_notice.load()
    assert notice.automated_decision_making == "No automated decision making takes place."
    assert "Mind Of My Own applications" in notice.sources
    assert "Department for Work and Pensions (DWP)" in notice.recipients
    assert notice.service("childrens_social_care") is not None
    assert notice.service_label("youth_justice") == "Youth justice (youth offending)"
    assert set(notice.gaps()) == {"categories", "retention", "transfers", "rights", "complaints"}
    with pytest.raises(ValueError, match="missing entry 'services'"):
        privacy_notice.parse({})
