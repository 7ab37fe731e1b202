"""The sar-api connector against services started on loopback that follow the shared subject-access contract.

The bodies are shaped like the answers real services give (case notes with amendments, incentive reviews,
non-associations naming another prisoner, key-worker allocations, Jackson date arrays, JSON:API wrappers,
attachments with their own headers); the servers answer as the shared controller does: 200, 204 for a
person with no data, 209 for an identifier the service does not handle, 401 without a valid token.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from rights import search
from rights.cli.process import run_pending
from rights.models import AuditEvent, GatheredRecord, SearchTask
from rights.security import store_for
from rights.sources import registry
from rights.sources.base import (
    Identity,
    IncompleteRecords,
    NotSearchable,
    SearchTerms,
    SourceError,
    SourceRecord,
)
from rights.sources.sar_api import ClientCredentials, SarApiConnector, flatten, records_from
from tests.factories import make_person, make_request
from tests.integration.source_builders import SUBJECT, make_docx, make_pdf, write_sources

TOKEN = "test-token-3f9a"
CLIENT = ("rights-desk", "client-secret-77")
SUBJECT_DETAILS = {"firstName": "Amelia", "lastName": "Hart", "dateOfBirth": "2012-05-17"}
CASE_NOTES = {
    "prisonerDetails": SUBJECT_DETAILS,
    "caseNotes": [
        {"id": "CN1", "date": "2024-02-01", "type": "Keywork", "text": "Talked about college."},
        {"id": "CN2", "date": "2024-03-01", "type": "Visit", "text": "Visit from mum."},
    ],
}
# Shaped like the offender case notes service: a list, no ids, authors, amendments, the PRN echoed.
OFFENDER_CASE_NOTES = {"prn": "G0564VI", "content": [
    {"creationDateTime": "2024-02-27T11:57:18.083934", "type": "General", "subType": "Report",
     "text": "Spoke about <family> contact.", "authorName": "Sam Okafor", "amendments": []},
    {"creationDateTime": "2024-01-29T15:00:59.618572", "type": "OMiC", "subType": "Open Case Note",
     "text": "Testing\n\nTesting", "authorName": "Jo Reed",
     "amendments": [{"creationDateTime": "2024-01-30T14:54:12.520707", "additionalNoteText": "More text added.",
                     "authorName": "Jo Reed"}]},
]}
INCENTIVES = {"content": [
    {"id": 2900656, "bookingId": 1203109, "prisonerNumber": "A8731DY", "nextReviewDate": "2023-11-16",
     "levelCode": "BAS", "reviewTime": "2023-10-19T15:04:55.431895", "reviewedBy": "DFERN_TEST",
     "commentText": "No improvement in behaviour", "current": True, "reviewType": "REVIEW"},
    {"id": 2871321, "bookingId": 1203109, "prisonerNumber": "A8731DY", "nextReviewDate": "2023-11-16",
     "levelCode": "STD", "locationId": None, "reviewTime": "2022-11-25T21:17:40", "reviewedBy": "GDAVIES_GEN",
     "commentText": "test", "current": False, "reviewType": "REVIEW"},
]}
NON_ASSOCIATIONS = {"content": {
    "prisonerNumber": "A4743DZ", "firstName": "PRISONER", "lastName": "TEST", "prisonName": "Leeds (HMP)",
    "openCount": 1, "closedCount": 0,
    "nonAssociations": [{
        "id": 83493, "role": "PERPETRATOR", "reason": "ORGANISED_CRIME", "restrictionType": "LANDING",
        "comment": "This is a test for SAR", "authorisedBy": "USER_GEN", "whenCreated": "2024-05-07T14:49:51",
        "isClosed": False, "closedBy": None,
        "otherPrisonerDetails": {"prisonerNumber": "G4769GD", "role": "PERPETRATOR", "firstName": "OTHER",
                                 "lastName": "PRISONER", "prisonName": "Parc (HMP)", "cellLocation": "T-5-41"},
        "isOpen": True,
    }],
}}
# Three identical assessments with no id: all three are the subject's data and must all be kept.
IDENTICAL = {"level": "low", "createdTimeStamp": "2021-03-30T11:45:10.266Z", "notes": "string", "active": True}
COMPLEXITY = {"content": [IDENTICAL, IDENTICAL, IDENTICAL, {**IDENTICAL, "level": "high"}]}
# Jackson's array dates, booleans, nulls and top-level scalars (one record for them, not one each).
JACKSON = {"content": {
    "prisonerNumber": "A2222AA", "supportingPrisonId": "EXI", "hospital": "Weston Park Hospital", "active": False,
    "referrals": [{"referralId": "R-9", "incidentDate": [2023, 3, 24, 13, 59, 16], "reviewed": True,
                   "outcome": None, "lastUpdated": [2023, 4, 2]}],
    "scores": [3, 4, 5],
}}
JSON_API = {"content": {"data": [
    {"type": "appointment", "id": "ap-1", "attributes": {"appointmentTime": "2024-06-03T10:00:00Z",
                                                         "notes": "Attended on time", "officerName": "Pat Lee"}},
    {"type": "appointment", "id": "ap-2", "attributes": {"appointmentTime": "2024-07-01T10:00:00Z",
                                                         "notes": "Missed", "officerName": "Pat Lee"}},
]}}
TEXT_FILE = b"Letter to the subject about their licence conditions.\n"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJ"
                       "RU5ErkJggg==")


def attachment(number: int, name: str, content_type: str, url: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"attachmentNumber": number, "name": name, "contentType": content_type, "url": url,
            "filesize": len(data), "filename": url.rsplit("/", 1)[-1], **extra}


class Files:
    """What the attachment endpoints serve, built once (PDF and DOCX made by real libraries)."""

    pdf = b""
    docx = b""


def with_attachments(base: str, foreign: str) -> dict[str, Any]:
    return {
        "content": {"prisonerDetails": SUBJECT_DETAILS,
                    "uploads": [{"attachmentRef": 1, "description": "Licence letter", "uploadedAt": "2024-04-02"},
                                {"attachmentRef": 2, "description": "Risk plan"}]},
        "attachments": [
            attachment(1, "Licence letter", "text/plain", f"{base}/attachments/letter.txt", TEXT_FILE,
                       headers=[{"name": "X-Document-Key", "value": "doc-1"}]),
            attachment(2, "Risk plan", "application/pdf", f"{base}/attachments/plan.pdf", Files.pdf),
            attachment(3, "Education plan", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       "/attachments/plan.docx", Files.docx),
            attachment(4, "Map", "image/png", f"{base}/attachments/map.png", PNG),
        ],
    }


def with_bad_attachments(base: str, foreign: str) -> dict[str, Any]:
    good = with_attachments(base, foreign)
    return {
        "content": good["content"],
        "attachments": [
            good["attachments"][0],
            attachment(2, "Elsewhere", "application/pdf", f"{foreign}/attachments/plan.pdf", Files.pdf),
            attachment(3, "Not a PDF", "application/pdf", f"{base}/attachments/letter.txt", TEXT_FILE),
            attachment(4, "Broken", "application/pdf", f"{base}/attachments/broken.pdf", Files.pdf),
        ],
    }


class Contract(BaseHTTPRequestHandler):
    """A service following the shared controller: ``handles`` says which identifiers it serves."""

    handles: ClassVar[frozenset[str]] = frozenset({"prn"})
    seen: ClassVar[list[dict[str, Any]]] = []
    valid_tokens: ClassVar[set[str]] = {TOKEN}
    issued: ClassVar[list[str]] = []
    token_lifetime: ClassVar[int] = 3600
    flaky: ClassVar[dict[str, int]] = {}
    base: ClassVar[str] = ""
    foreign: ClassVar[str] = ""

    def log_message(self, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        type(self).seen.append({"path": url.path, "form": form})
        basic = "Basic " + base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
        if url.path != "/oauth/token" or form.get("grant_type") != "client_credentials" or \
                self.headers.get("Authorization") != basic:
            return self._send(401, {"error": "invalid_client"})
        token = f"issued-{len(Contract.issued) + 1}"
        Contract.issued.append(token)
        Contract.valid_tokens.add(token)
        return self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": Contract.token_lifetime})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        auth = self.headers.get("Authorization") or ""
        type(self).seen.append({"path": url.path, "query": query, "auth": auth,
                                "headers": {k.lower(): v for k, v in self.headers.items()}})
        if auth.removeprefix("Bearer ") not in Contract.valid_tokens:
            return self._send(401, {"status": 401, "userMessage": "Authentication problem"})
        if url.path.startswith("/attachments/"):
            return self._attachment(url.path.rsplit("/", 1)[-1])
        if url.path != "/subject-access-request":
            return self._send(404)
        prn, crn = query.get("prn"), query.get("crn")
        if not prn and not crn:
            return self._send(400, {"userMessage": "One of prn or crn must be supplied."})
        key = prn if prn and "prn" in self.handles else crn if crn and "crn" in self.handles else None
        if key is None:
            return self._send(209)
        return self._answer(key)

    def _answer(self, key: str) -> None:
        if key in Contract.flaky and Contract.flaky[key] > 0:
            Contract.flaky[key] -= 1
            return self._send(503)
        if key == "SLOW":
            time.sleep(1.5)
            return self._send(204)
        bodies: dict[str, Any] = {
            "A1234BC": {"content": CASE_NOTES}, "G0564VI": OFFENDER_CASE_NOTES, "A8731DY": INCENTIVES,
            "A4743DZ": NON_ASSOCIATIONS, "A1111AA": COMPLEXITY, "A2222AA": JACKSON, "A5555AA": JSON_API,
            "A3333AA": with_attachments(self.base, self.foreign), "FLAKY1": {"content": CASE_NOTES},
            "A4444AA": with_bad_attachments(self.base, self.foreign),
            "X123456": {"content": {"offenderManager": {"name": "Dee Smith"}, "contacts": [{"notes": "Seen"}]}},
            "EMPTY_OBJECT": {}, "NULL_CONTENT": {"content": None}, "EMPTY_LIST": {"content": [], "attachments": []},
        }
        if key in bodies:
            return self._send(200, bodies[key])
        if key == "EMPTY_BODY":
            return self._send(200, raw=b"")
        statuses = {"E5000EE": 500, "BAD400": 400, "GONE404": 404, "FORBID": 403}
        return self._send(statuses.get(key, 204))

    def _attachment(self, name: str) -> None:
        if name == "letter.txt":
            if self.headers.get("X-Document-Key") not in (None, "doc-1"):
                return self._send(403)
            return self._send(200, raw=TEXT_FILE, content_type="text/plain")
        if name == "plan.pdf":
            return self._send(200, raw=Files.pdf, content_type="application/pdf")
        if name == "plan.docx":
            return self._send(200, raw=Files.docx, content_type="application/octet-stream")
        if name == "map.png":
            return self._send(200, raw=PNG, content_type="image/png")
        if name == "broken.pdf":
            return self._send(500)
        return self._send(404)

    def _send(self, status: int, body: Any = None, *, raw: bytes | None = None,
              content_type: str = "application/json") -> None:
        data = raw if raw is not None else json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class PrisonService(Contract):
    handles = frozenset({"prn"})
    seen: ClassVar[list[dict[str, Any]]] = []


class ProbationService(Contract):
    handles = frozenset({"crn"})
    seen: ClassVar[list[dict[str, Any]]] = []


class ForeignHost(Contract):
    seen: ClassVar[list[dict[str, Any]]] = []


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    Files.pdf = make_pdf("Risk management plan reviewed with the subject.")
    Files.docx = make_docx("Education plan: college in September.")
    running = {name: _serve(handler) for name, handler in
               (("prison", PrisonService), ("probation", ProbationService), ("foreign", ForeignHost))}
    urls = {name: url for name, (_, url) in running.items()}
    Contract.base, Contract.foreign = urls["prison"], urls["foreign"]
    yield urls
    for server, _ in running.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def service(servers: dict[str, str]) -> str:
    PrisonService.seen.clear()
    ForeignHost.seen.clear()
    return servers["prison"]


class NoSleep:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def connector(base_url: str, token: str = TOKEN, timeout: float = 10, **kw: Any) -> SarApiConnector:
    kw.setdefault("sleep", NoSleep())
    return SarApiConnector("probation", "youth_justice", base_url=base_url, token=token, timeout=timeout, **kw)


def terms(*ids: tuple[str, str], **period: date) -> SearchTerms:
    return SearchTerms(identity=Identity("Amelia", "Hart", date(2012, 5, 17), other_ids=ids), **period)


def fetch(api: SarApiConnector, *ids: tuple[str, str]) -> list[SourceRecord]:
    asked = terms(*ids)
    [candidate] = api.find_candidates(asked)
    return api.fetch_records(candidate, asked)


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


# ---------------------------------------------------------------------- the answer, turned into records
def test_200_becomes_a_candidate_and_records_with_one_get(service: str) -> None:
    api = connector(service)
    period = terms(("PRN", "A1234BC"), date_from=date(2024, 1, 1), date_to=date(2024, 12, 31))
    [candidate] = api.find_candidates(period)
    assert candidate.person_id == "prn:A1234BC"
    assert (candidate.identity.given_names, candidate.identity.date_of_birth) == ("Amelia", date(2012, 5, 17))
    records = {r.record_id: r for r in api.fetch_records(candidate, period)}
    assert sorted(r.metadata["section"] for r in records.values()) == ["caseNotes", "caseNotes", "prisonerDetails"]
    note = records["caseNotes/CN1"]
    assert note.date == date(2024, 2, 1) and "Talked about college." in note.text
    assert note.title == "Case notes: Keywork"
    # Metadata is stored in clear: the values live only in the (encrypted) text.
    assert not any("college" in json.dumps(r.metadata) or "Amelia" in json.dumps(r.metadata) for r in records.values())
    gets = [s for s in PrisonService.seen if s["path"] == "/subject-access-request"]
    assert len(gets) == 1  # find_candidates and fetch_records share one answer
    assert gets[0]["auth"] == f"Bearer {TOKEN}"
    assert gets[0]["query"] == {"prn": "A1234BC", "fromDate": "2024-01-01", "toDate": "2024-12-31"}
    # Stable ids: a later search (a fresh GET) yields the same record ids, so a re-run adds nothing twice.
    assert {r.record_id for r in fetch(connector(service), ("prn", "A1234BC"))} == set(records)


EXAMPLES = {"A1234BC": {"content": CASE_NOTES}, "G0564VI": OFFENDER_CASE_NOTES, "A8731DY": INCENTIVES,
            "A4743DZ": NON_ASSOCIATIONS, "A1111AA": COMPLEXITY, "A2222AA": JACKSON, "A5555AA": JSON_API}


@pytest.mark.parametrize("prn", sorted(EXAMPLES))
def test_every_example_parses_and_no_text_value_is_lost(service: str, prn: str) -> None:
    records = fetch(connector(service), ("prn", prn))
    text = "\n".join(r.text or "" for r in records)
    body = EXAMPLES[prn]
    for value in leaves(body["content"]):
        if isinstance(value, str):
            assert value in text, value
        elif isinstance(value, bool):
            assert ("yes" if value else "no") in text
        elif isinstance(value, int | float):
            assert str(value) in text
    assert len({r.record_id for r in records}) == len(records)
    assert "True" not in text and "False" not in text  # booleans read yes/no


def test_identical_items_are_all_stored_with_ids_stable_under_reordering(service: str) -> None:
    records = fetch(connector(service), ("prn", "A1111AA"))
    assert len(records) == 4 and len({r.record_id for r in records}) == 4
    ids = {r.record_id for r in records}
    reordered = records_from(list(reversed(COMPLEXITY["content"])), "probation", "prn:A1111AA")
    assert {r.record_id for r in reordered} == ids
    assert all(r.date == date(2021, 3, 30) for r in records)


def test_dates_from_any_date_field_jackson_arrays_and_sections_not_scalars(service: str) -> None:
    records = {r.metadata["path"]: r for r in fetch(connector(service), ("prn", "A2222AA"))}
    assert set(records) == {"details", "referrals[]"}  # the top-level scalars are one record
    details = records["details"]
    assert "hospital: Weston Park Hospital" in details.text and "active: no" in details.text
    assert "- 3" in details.text  # a list of plain values stays with the details
    referral = records["referrals[]"]
    assert referral.date == date(2023, 3, 24)
    assert "incidentDate: 2023-03-24T13:59:16" in referral.text and "reviewed: yes" in referral.text
    assert "lastUpdated: 2023-04-02" in referral.text and "outcome: " in referral.text
    incentives = fetch(connector(service), ("prn", "A8731DY"))
    assert sorted(r.date for r in incentives) == [date(2022, 11, 25), date(2023, 10, 19)]  # reviewTime, not next
    notes = fetch(connector(service), ("prn", "G0564VI"))
    assert sorted(r.date for r in notes) == [date(2024, 1, 29), date(2024, 2, 27)]  # the note's, not its amendment's
    assert {r.record_id for r in fetch(connector(service), ("prn", "A5555AA"))} == {"data/ap-1", "data/ap-2"}


def test_flatten_reads_like_the_answer() -> None:
    assert flatten({"a": True, "b": None, "createdAt": [2024, 1, 2, 3, 4], "n": [1, 2]}) == (
        "a: yes\nb: \ncreatedAt: 2024-01-02T03:04:00\nn:\n  - 1\n  - 2")


def test_involved_people_from_the_sources_file_mapping(service: str, tmp_path: Path) -> None:
    path = write_sources(tmp_path / "sources.toml", [{
        "name": "prison", "service": "youth_justice", "type": "sar-api",
        "settings": {"base_url": service, "token": TOKEN, "retries": 0, "involved": [
            {"path": "*.authorName", "role": "professional", "job_title": "Prison officer"},
            {"path": "nonAssociations[].otherPrisonerDetails", "role": "other"},
        ]},
    }])
    [source] = registry.load_file(path)
    api = source.connector
    notes = fetch(api, ("prn", "G0564VI"))
    people = {(i.name, i.role, i.job_title) for r in notes for i in r.involved}
    assert people == {("Sam Okafor", "professional", "Prison officer"), ("Jo Reed", "professional", "Prison officer")}
    amended = next(r for r in notes if "More text added." in r.text)
    assert [i.name for i in amended.involved] == ["Jo Reed"]  # once, though named twice
    records = {r.metadata["path"]: r for r in fetch(api, ("prn", "A4743DZ"))}
    [other] = records["nonAssociations[]"].involved
    assert (other.name, other.role, other.person_id) == ("OTHER PRISONER", "other", "G4769GD")
    assert records["details"].involved == ()
    # The subject is the service's own prisoner, never the other prisoner named inside a non-association.
    [candidate] = api.find_candidates(terms(("prn", "A4743DZ")))
    assert candidate.identity.given_names == "PRISONER"


@pytest.mark.parametrize(("mapping", "message"), [
    ({"path": "*.authorName", "role": "author"}, "involved[1].role must be one of"),
    ({"role": "other"}, "involved[1] must be a table with a path"),
    ({"path": "x", "rol": "other"}, "involved[1].rol is not a known key"),
])
def test_a_wrong_mapping_names_the_entry(tmp_path: Path, mapping: dict[str, Any], message: str) -> None:
    path = write_sources(tmp_path / "sources.toml", [{
        "name": "prison", "service": "youth_justice", "type": "sar-api",
        "settings": {"base_url": "https://x.example", "token": "t", "involved": [mapping]}}])
    with pytest.raises(registry.SourceConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        registry.load_file(path)


# ---------------------------------------------------------------------- statuses
@pytest.mark.parametrize("prn", ["B0000AA", "EMPTY_OBJECT", "EMPTY_BODY", "NULL_CONTENT", "EMPTY_LIST"])
def test_no_data_held_in_every_form_the_contract_allows(service: str, prn: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="rights.sources.sar_api")
    assert connector(service).find_candidates(terms(("prn", prn))) == []
    assert "no data held" in caplog.text


def test_209_says_which_identifier_the_service_needs(servers: dict[str, str]) -> None:
    with pytest.raises(NotSearchable, match=r"needs a PRN .*sent the CRN .*209"):
        connector(servers["prison"]).find_candidates(terms(("crn", "X123456")))
    with pytest.raises(NotSearchable, match=r"needs a CRN .*sent the PRN .*209"):
        connector(servers["probation"]).find_candidates(terms(("prn", "A1234BC")))
    # Both identifiers sent: each service answers by the one it handles.
    both = terms(("prn", "A1234BC"), ("crn", "X123456"))
    assert connector(servers["probation"]).find_candidates(both)[0].person_id == "crn:X123456;prn:A1234BC"


@pytest.mark.parametrize(("prn", "status"), [("BAD400", 400), ("GONE404", 404), ("FORBID", 403)])
def test_other_4xx_are_final_with_the_status(service: str, prn: str, status: int) -> None:
    sleep = NoSleep()
    with pytest.raises(NotSearchable, match=f"HTTP {status}"):
        connector(service, sleep=sleep).find_candidates(terms(("prn", prn)))
    assert len([s for s in PrisonService.seen if s["path"] == "/subject-access-request"]) == 1 and not sleep.slept


def test_5xx_is_retried_with_the_back_off_then_a_source_error(service: str) -> None:
    sleep = NoSleep()
    with pytest.raises(SourceError, match=r"HTTP 500 \(after 3 attempts\)") as caught:
        connector(service, sleep=sleep, backoff=10).find_candidates(terms(("prn", "E5000EE")))
    assert not isinstance(caught.value, NotSearchable)  # the job is retried later, unlike a 4xx
    assert sleep.slept == [10, 10]
    Contract.flaky["FLAKY1"] = 2  # two 503s, then the answer: no error at all
    assert len(connector(service).find_candidates(terms(("prn", "FLAKY1")))) == 1


def test_defaults_are_the_real_clients() -> None:
    api = SarApiConnector("p", "yj", base_url="https://x.example", token="t")
    assert (api.timeout, api.retries, api.backoff) == (60.0, 2, 10.0)


def test_wrong_fixed_token_is_refused_and_final(service: str) -> None:
    with pytest.raises(NotSearchable, match="refused our token"):
        connector(service, token="wrong").find_candidates(terms(("prn", "A1234BC")))


def test_timeout_is_a_source_error(service: str) -> None:
    with pytest.raises(SourceError, match="no answer within"):
        connector(service, timeout=0.3, retries=0).find_candidates(terms(("prn", "SLOW")))


def test_unreachable_service_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="could not reach"):
        connector("http://127.0.0.1:9", timeout=2).find_candidates(terms(("prn", "A1234BC")))


def test_subject_without_prn_or_crn_cannot_be_searched(service: str) -> None:
    with pytest.raises(NotSearchable, match="PRN or CRN"):
        connector(service).find_candidates(terms(("LCS", "123")))


# ---------------------------------------------------------------------- tokens
def test_client_credentials_token_cached_until_shortly_before_expiry(service: str) -> None:
    now = [1000.0]
    Contract.token_lifetime = 300
    auth = ClientCredentials(f"{service}/oauth/token", *CLIENT, scope="read", clock=lambda: now[0])
    api = connector(service, auth=auth)
    fetch(api, ("prn", "A1234BC"))
    fetch(api, ("prn", "A8731DY"))
    assert auth.issued == 1
    posts = [s for s in PrisonService.seen if s["path"] == "/oauth/token"]
    assert posts[0]["form"] == {"grant_type": "client_credentials", "scope": "read"}
    now[0] += 300 - 59  # within a minute of expiry: renewed before use
    fetch(api, ("prn", "A4743DZ"))
    assert auth.issued == 2
    Contract.token_lifetime = 3600


def test_an_expired_token_is_refreshed_once_without_failing(service: str) -> None:
    auth = ClientCredentials(f"{service}/oauth/token", *CLIENT)
    api = connector(service, auth=auth)
    fetch(api, ("prn", "A1234BC"))
    Contract.valid_tokens.discard(Contract.issued[-1])  # the token service revoked it (or it expired early)
    assert len(fetch(api, ("prn", "A8731DY"))) == 2
    assert auth.issued == 2
    assert [s["auth"] for s in PrisonService.seen if s["path"] == "/subject-access-request"][-2:] == [
        f"Bearer {Contract.issued[-2]}", f"Bearer {Contract.issued[-1]}"]


def test_bad_client_credentials_are_final(service: str) -> None:
    auth = ClientCredentials(f"{service}/oauth/token", "rights-desk", "wrong")
    with pytest.raises(NotSearchable, match="refused our client credentials"):
        connector(service, auth=auth).find_candidates(terms(("prn", "A1234BC")))


def test_oauth_settings_from_the_sources_file(service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRISON_SAR_SECRET", CLIENT[1])
    path = write_sources(tmp_path / "sources.toml", [{
        "name": "prison", "service": "youth_justice", "type": "sar-api",
        "settings": {"base_url": service, "token_url": f"{service}/oauth/token", "client_id": CLIENT[0],
                     "client_secret_env": "PRISON_SAR_SECRET", "retries": 1, "backoff_seconds": 0.5},
    }])
    [source] = registry.load_file(path)
    assert CLIENT[1] not in repr(source) and CLIENT[1] not in repr(source.connector.auth)
    assert source.timeout_seconds == 60 * 2 + 0.5 + 60  # both attempts, the back-off and a token fetch
    assert len(source.connector.find_candidates(terms(("prn", "A1234BC")))) == 1
    path.write_text(path.read_text().replace('"client_id"', '"token" = "x"\n"client_id"'))
    with pytest.raises(registry.SourceConfigError, match="alternatives"):
        registry.load_file(path)


def test_configured_from_the_sources_file_with_token_from_environment(service: str, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROBATION_TOKEN", TOKEN)
    path = write_sources(tmp_path / "sources.toml", [{
        "name": "probation", "service": "youth_justice", "type": "sar-api", "timeout_seconds": 5,
        "settings": {"base_url": service, "token_env": "PROBATION_TOKEN", "prn_scheme": "nomis", "retries": 0},
    }])
    [source] = registry.load_file(path)
    assert source.timeout_seconds == 10  # the request, and a token fetch
    assert TOKEN not in repr(source)
    assert len(source.connector.find_candidates(terms(("nomis", "A1234BC")))) == 1
    monkeypatch.delenv("PROBATION_TOKEN")
    with pytest.raises(registry.SourceConfigError, match="PROBATION_TOKEN, which is not set"):
        registry.load_file(path)


# ---------------------------------------------------------------------- attachments
def test_attachments_are_fetched_with_their_headers_sniffed_and_read(service: str) -> None:
    records = {r.record_id: r for r in fetch(connector(service), ("prn", "A3333AA"))}
    letter, plan, education, image = (records[f"attachment/{n}"] for n in (1, 2, 3, 4))
    assert letter.file_bytes == TEXT_FILE and (letter.text or "").strip() == TEXT_FILE.decode().strip()
    mention = next(r.record_id for r in records.values() if "description: Licence letter" in (r.text or ""))
    assert letter.metadata["referenced_by"] == [mention] and mention.startswith("uploads/")
    assert "Risk management plan" in plan.text and plan.content_type == "application/pdf"
    assert "college in September" in education.text  # a relative URL resolves against the service
    assert image.file_bytes == PNG and image.text is None and image.content_type == "image/png"
    assert image.title == "Attachment 4: Map"
    downloads = {s["path"]: s for s in PrisonService.seen if s["path"].startswith("/attachments/")}
    assert downloads["/attachments/letter.txt"]["headers"]["x-document-key"] == "doc-1"
    assert all(s["auth"] == f"Bearer {TOKEN}" for s in downloads.values())


def test_a_foreign_host_or_a_lying_file_is_refused_and_said(service: str) -> None:
    api = connector(service)
    asked = terms(("prn", "A4444AA"))
    [candidate] = api.find_candidates(asked)
    with pytest.raises(IncompleteRecords) as caught:
        api.fetch_records(candidate, asked)
    message = str(caught.value)
    assert "3 of 4 attachment(s) not gathered" in message
    assert f"not the service's own {service}" in message
    assert "declared application/pdf but the bytes are plain text" in message
    assert "HTTP 500" in message
    assert ForeignHost.seen == []  # not asked at all: neither our token nor the headers went there
    kept = {r.record_id for r in caught.value.records}
    assert "attachment/1" in kept and not kept & {"attachment/2", "attachment/3", "attachment/4"}
    assert any(r.metadata.get("path") == "prisonerDetails" for r in caught.value.records)


def test_attachment_over_the_size_limit_is_refused_before_download(service: str) -> None:
    api = connector(service, max_attachment_bytes=1000)
    asked = terms(("prn", "A3333AA"))
    [candidate] = api.find_candidates(asked)
    with pytest.raises(IncompleteRecords, match="over the 1000 byte limit"):
        api.fetch_records(candidate, asked)
    assert not any(s["path"] == "/attachments/plan.pdf" for s in PrisonService.seen)


# ---------------------------------------------------------------------- through a real search task
def _run(rt, settings, tmp_path: Path, service: str, prn: str, **source_settings: Any) -> int:  # type: ignore[no-untyped-def]
    settings.sources_file = str(write_sources(tmp_path / "sources.toml", [{
        "name": "prison", "service": "youth_justice", "type": "sar-api",
        "settings": {"base_url": service, "retries": 0, **source_settings},
    }]))
    with rt.db.transaction() as session:
        request_id = make_request(session, subject=make_person(addresses=SUBJECT["addresses"],
                                                               identifiers={"prn": prn})).id
        search.start_searches(session, rt.queue, request_id, "user:1")
    run_pending(rt.db, rt.queue, 1)
    return request_id


def test_refused_attachment_is_an_error_on_the_task_and_in_the_log(rt, settings, tmp_path, service) -> None:  # type: ignore[no-untyped-def]
    request_id = _run(rt, settings, tmp_path, service, "A4444AA", token=TOKEN)
    with rt.db.transaction() as session:
        task = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)).one()
        assert task.status == "failed" and "attachment(s) not gathered" in task.error
        [entry] = search.search_log(session, request_id)
        assert "not the service's own" in entry["error"]
        assert "not the service's own" in search.render_search_log([entry])
        assert "attachment 2 (application/pdf): refused" in entry["error"]
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "search.failed")).first()
        assert "not gathered" in failed.detail["error"] and "Elsewhere" not in json.dumps(failed.detail)
        stored = {r.record_id: r for r in session.scalars(select(GatheredRecord))}
        assert "attachment/1" in stored and "prisonerDetails" in stored  # what did arrive is kept
        letter = stored["attachment/1"]
        store = store_for(settings.upload_dir, settings.encryption_keys)
        assert store.get(letter.file_key) == TEXT_FILE and TEXT_FILE not in store.raw(letter.file_key)


def test_expired_token_is_refreshed_without_failing_the_task(rt, settings, tmp_path, service,  # type: ignore[no-untyped-def]
                                                             monkeypatch) -> None:
    monkeypatch.setenv("PRISON_SAR_SECRET", CLIENT[1])
    oauth = {"token_url": f"{service}/oauth/token", "client_id": CLIENT[0], "client_secret_env": "PRISON_SAR_SECRET"}
    Contract.valid_tokens = {TOKEN}  # every token issued so far has expired
    request_id = _run(rt, settings, tmp_path, service, "A3333AA", **oauth)
    with rt.db.transaction() as session:
        task = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)).one()
        assert task.status == "done" and task.error is None
        assert {r.record_id for r in session.scalars(select(GatheredRecord))} >= {
            "prisonerDetails", "attachment/1", "attachment/2", "attachment/3", "attachment/4"}
    assert len([s for s in PrisonService.seen if s["path"] == "/subject-access-request"]) == 1  # one GET a search
    issued = len(Contract.issued)
    Contract.valid_tokens.discard(Contract.issued[-1])  # it expires before the next run
    with rt.db.transaction() as session:
        search.start_searches(session, rt.queue, request_id, "user:1")
    run_pending(rt.db, rt.queue, 1)
    with rt.db.transaction() as session:
        task = session.scalars(select(SearchTask).where(SearchTask.request_id == request_id)).one()
        assert task.status == "done" and task.error is None and task.attempts == 2
    assert len(Contract.issued) == issued + 1

