"""The sar-api connector against an HTTP service started on loopback, answering 200, 204, 209 and 500."""

from __future__ import annotations

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

from rights.sources import registry
from rights.sources.base import Identity, NotSearchable, SearchTerms, SourceError
from rights.sources.sar_api import SarApiConnector
from tests.integration.source_builders import write_sources

TOKEN = "test-token-3f9a"
CONTENT = {
    "prisonerDetails": {"firstName": "Amelia", "lastName": "Hart", "dateOfBirth": "2012-05-17"},
    "caseNotes": [
        {"id": "CN1", "date": "2024-02-01", "type": "Keywork", "text": "Talked about college."},
        {"id": "CN2", "date": "2024-03-01", "type": "Visit", "text": "Visit from mum."},
    ],
}


class SarService(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        SarService.seen.append({"path": url.path, "query": query, "auth": self.headers.get("Authorization")})
        if url.path != "/subject-access-request":
            return self._send(404)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401)
        key = query.get("prn") or query.get("crn")
        if key == "A1234BC":
            return self._send(200, {"content": CONTENT})
        if key == "SLOW":
            time.sleep(1.5)
            return self._send(204)
        return self._send({"B0000AA": 204, "E5000EE": 500}.get(key or "", 209))

    def _send(self, status: int, body: Any = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SarService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def connector(base_url: str, token: str = TOKEN, timeout: float = 10) -> SarApiConnector:
    return SarApiConnector("probation", "youth_justice", base_url=base_url, token=token, timeout=timeout)


def terms(*ids: tuple[str, str], **period: date) -> SearchTerms:
    return SearchTerms(identity=Identity("Amelia", "Hart", date(2012, 5, 17), other_ids=ids), **period)


def test_200_becomes_a_candidate_and_records_with_the_token_sent(service: str) -> None:
    SarService.seen.clear()
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
    assert SarService.seen[0]["auth"] == f"Bearer {TOKEN}"
    assert SarService.seen[0]["query"] == {"prn": "A1234BC", "fromDate": "2024-01-01", "toDate": "2024-12-31"}
    # Stable ids: asking again yields the same record ids, so a re-run adds nothing twice.
    assert {r.record_id for r in api.fetch_records(candidate, period)} == set(records)


def test_204_holds_nothing(service: str) -> None:
    assert connector(service).find_candidates(terms(("crn", "B0000AA"))) == []


def test_209_subject_unknown_is_not_searchable(service: str) -> None:
    with pytest.raises(NotSearchable, match="209"):
        connector(service).find_candidates(terms(("prn", "Q1111QQ")))


def test_500_is_a_source_error(service: str) -> None:
    with pytest.raises(SourceError, match="HTTP 500") as caught:
        connector(service).find_candidates(terms(("prn", "E5000EE")))
    assert not isinstance(caught.value, NotSearchable)  # retried, unlike a 209


def test_wrong_token_is_refused(service: str) -> None:
    with pytest.raises(SourceError, match="refused our token"):
        connector(service, token="wrong").find_candidates(terms(("prn", "A1234BC")))


def test_timeout_is_a_source_error(service: str) -> None:
    with pytest.raises(SourceError, match="no answer within"):
        connector(service, timeout=0.3).find_candidates(terms(("prn", "SLOW")))


def test_unreachable_service_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="could not reach"):
        connector("http://127.0.0.1:9", timeout=2).find_candidates(terms(("prn", "A1234BC")))


def test_subject_without_prn_or_crn_cannot_be_searched(service: str) -> None:
    with pytest.raises(NotSearchable, match="PRN or CRN"):
        connector(service).find_candidates(terms(("LCS", "123")))


def test_configured_from_the_sources_file_with_token_from_environment(service: str, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROBATION_TOKEN", TOKEN)
    path = write_sources(tmp_path / "sources.toml", [{
        "name": "probation", "service": "youth_justice", "type": "sar-api", "timeout_seconds": 5,
        "settings": {"base_url": service, "token_env": "PROBATION_TOKEN", "prn_scheme": "nomis"},
    }])
    [source] = registry.load_file(path)
    assert source.timeout_seconds == 5
    assert TOKEN not in repr(source)
    assert len(source.connector.find_candidates(terms(("nomis", "A1234BC")))) == 1
    monkeypatch.delenv("PROBATION_TOKEN")
    with pytest.raises(registry.SourceConfigError, match="PROBATION_TOKEN, which is not set"):
        registry.load_file(path)
