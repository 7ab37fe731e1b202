"""The sql connector against a real PostgreSQL case-management schema built here, with look-alike children."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from rights import audit, search
from rights.cli.process import run_pending
from rights.models import AuditEvent, GatheredRecord, SearchCandidate, SearchTask
from rights.sources import registry
from rights.sources.base import Identity, SearchTerms, SourceError
from rights.sources.sql import SqlConnector
from tests.conftest import scratch_database
from tests.factories import make_person, make_request
from tests.integration.source_builders import write_sources

SCHEMA = """
CREATE TABLE person (
  person_id integer PRIMARY KEY, forename text NOT NULL, surname text NOT NULL, dob date,
  nhs_no text, upn text, postcode text, address text, former_names text, lcs_ref text);
CREATE TABLE case_note (
  note_id text PRIMARY KEY, person_id integer NOT NULL REFERENCES person, note_date date NOT NULL,
  note_type text, title text, body text);
CREATE TABLE note_person (note_id text REFERENCES case_note, name text, role text, job_title text);
CREATE TABLE address_history (person_id integer REFERENCES person, address text, postcode text, is_current boolean);
"""
PEOPLE = [  # id, forename, surname, dob, nhs, postcode, address, former names, LCS ref
    (1, "Amelia", "Hart", "2012-05-17", "943 476 5919", "NB1 2CD", "1 Mill Lane, Northby", "Amelia Jones", "LCS-1"),
    (2, "Amelia", "Hart", "2013-02-03", None, "NB7 7XY", "9 Bridge Street, Northby", None, "LCS-2"),  # same name
    (3, "Olivia", "Hart", "2012-05-17", None, "NB3 3AA", "3 Elm Road, Northby", None, "LCS-3"),  # same DOB
    (4, "Jack", "Hart", "2012-09-01", None, "NB1 2CD", "1 Mill Lane, Northby", None, "LCS-4"),  # sibling
    (5, "Noah", "Price", "2001-01-01", None, "NB9 9ZZ", "5 Far Away", None, "LCS-5"),  # unrelated
    (6, "O'Brien'); DROP TABLE person;--", "X", "2000-01-01", None, None, None, None, None),
]
NOTES = [  # note id, person, date, type, title, body
    ("N1", 1, "2023-01-10", "visit", "Home visit", "Amelia talked about school."),
    ("N2", 1, "2024-06-01", "assessment", "Assessment", "Amelia's assessment."),
    ("N3", 1, "2018-02-02", "visit", "Old visit", "Outside the period."),
    ("N4", 2, "2023-03-03", "visit", "Other Amelia", "The other Amelia Hart's note."),
    ("N5", 3, "2023-04-04", "visit", "Olivia", "Olivia's note."),
    ("N6", 4, "2023-05-05", "visit", "Jack", "Jack's note."),
]


@pytest.fixture(scope="module")
def lcs_url() -> Iterator[str]:
    with scratch_database("rights_lcs") as url:
        _build_case_management(url)
        yield url


def _build_case_management(url: str) -> None:
    """A synthetic case-management schema with the subject, look-alikes and a hostile name."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(SCHEMA))
        for pid, fore, sur, dob, nhs, pc, addr, former, ref in PEOPLE:
            conn.execute(text("INSERT INTO person VALUES (:i, :f, :s, :d, :n, NULL, :p, :a, :fn, :r)"),
                         {"i": pid, "f": fore, "s": sur, "d": date.fromisoformat(dob), "n": nhs, "p": pc, "a": addr,
                          "fn": former, "r": ref})
            if addr:
                conn.execute(text("INSERT INTO address_history VALUES (:i, :a, :p, true)"),
                             {"i": pid, "a": addr, "p": pc})
        conn.execute(text("INSERT INTO address_history VALUES (1, '4 Old Road, Southby', 'SB4 4OR', false)"))
        for note_id, pid, day, kind, title, body in NOTES:
            conn.execute(text("INSERT INTO case_note VALUES (:n, :p, :d, :k, :t, :b)"),
                         {"n": note_id, "p": pid, "d": date.fromisoformat(day), "k": kind, "t": title, "b": body})
            conn.execute(text("INSERT INTO note_person VALUES (:n, 'Priya Shah', 'professional', 'Social worker')"),
                         {"n": note_id})
        conn.execute(text("INSERT INTO note_person VALUES ('N1', 'Dawn Hart', 'family_member', NULL)"))
    engine.dispose()


def sql_source(url: str, **overrides: object) -> dict[str, object]:
    settings: dict[str, object] = {
        "url": url,
        "person_table": "person",
        "columns": {"person_id": "person_id", "given_names": "forename", "family_name": "surname",
                    "date_of_birth": "dob", "nhs_number": "nhs_no", "upn": "upn", "postcode": "postcode",
                    "address": "address", "previous_names": "former_names"},
        "other_ids": {"LCS": "lcs_ref"},
        "queries": {
            "records": "SELECT note_id AS record_id, note_date AS date, title, body AS text, note_type "
                       "FROM case_note WHERE person_id = :person_id AND note_date BETWEEN :date_from AND :date_to",
            "involvements": "SELECT np.note_id AS record_id, np.name, np.role, np.job_title FROM note_person np "
                            "JOIN case_note n USING (note_id) WHERE n.person_id = :person_id "
                            "AND n.note_date BETWEEN :date_from AND :date_to",
            "addresses": "SELECT person_id, address, postcode, is_current AS current FROM address_history "
                         "WHERE person_id IN :person_ids",
        },
    }
    settings.update(overrides)
    return {"name": "lcs", "service": "childrens_social_care", "type": "sql", "timeout_seconds": 20,
            "settings": settings}


@pytest.fixture(scope="module")
def connector(lcs_url: str, tmp_path_factory: pytest.TempPathFactory) -> SqlConnector:
    path = write_sources(tmp_path_factory.mktemp("cfg") / "sources.toml", [sql_source(lcs_url)])
    [source] = registry.load_file(path)
    assert isinstance(source.connector, SqlConnector)
    return source.connector


AMELIA = Identity("Amelia", "Hart", date(2012, 5, 17))


def test_candidates_by_blocking_keys_include_lookalikes_not_strangers(connector: SqlConnector) -> None:
    found = {c.person_id: c for c in connector.find_candidates(SearchTerms(AMELIA))}
    assert set(found) == {"1", "2", "3", "4"}
    amelia = found["1"].identity
    assert amelia.nhs_number == "943 476 5919" and amelia.previous_names == ("Amelia Jones",)
    assert amelia.other_ids == (("LCS", "LCS-1"),)
    assert {a.postcode for a in amelia.addresses} == {"NB1 2CD", "SB4 4OR"}  # person row plus address history


def test_found_by_identifier_despite_a_changed_name(connector: SqlConnector) -> None:
    terms = SearchTerms(Identity("Millie", "Jones", None, nhs_number="9434765919"))
    assert [c.person_id for c in connector.find_candidates(terms)] == ["1"]
    terms = SearchTerms(Identity("Millie", "Jones", None, other_ids=(("lcs", "LCS-1"),)))
    assert [c.person_id for c in connector.find_candidates(terms)] == ["1"]


def test_values_are_bound_parameters_never_sql(connector: SqlConnector, lcs_url: str) -> None:
    hostile = Identity("x", "Hart'); DROP TABLE person;--", date(1999, 1, 1), other_ids=(("LCS", "' OR '1'='1"),))
    assert connector.find_candidates(SearchTerms(hostile)) == []
    engine = create_engine(lcs_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person")).scalar() == len(PEOPLE)
    engine.dispose()


def test_records_of_one_person_in_the_period_with_involvements(connector: SqlConnector) -> None:
    terms = SearchTerms(AMELIA, date_from=date(2020, 1, 1), date_to=date(2024, 12, 31))
    amelia = next(c for c in connector.find_candidates(terms) if c.person_id == "1")
    records = {r.record_id: r for r in connector.fetch_records(amelia, terms)}
    assert set(records) == {"N1", "N2"}
    assert records["N1"].date == date(2023, 1, 10) and records["N1"].text == "Amelia talked about school."
    assert records["N1"].metadata == {"note_type": "visit"}
    assert {(i.name, i.role, i.job_title) for i in records["N1"].involved} == {
        ("Priya Shah", "professional", "Social worker"), ("Dawn Hart", "family_member", None)}


def test_a_broken_query_is_a_source_error(lcs_url: str, tmp_path: Path) -> None:
    config = sql_source(lcs_url)
    config["settings"]["queries"] = {"records": "SELECT * FROM no_such_table WHERE id = :person_id"}  # type: ignore[index]
    [source] = registry.load_file(write_sources(tmp_path / "s.toml", [config]))
    candidate = source.connector.find_candidates(SearchTerms(AMELIA))[0]
    with pytest.raises(SourceError, match="database error"):
        source.connector.fetch_records(candidate, SearchTerms(AMELIA))


def test_search_gathers_the_subjects_records_and_never_a_lookalikes(rt, settings, lcs_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.sources_file = str(write_sources(tmp_path / "sources.toml", [sql_source(lcs_url)]))
    with rt.db.transaction() as session:
        subject = make_person(addresses=[{"lines": ["1 Mill Lane"], "postcode": "NB1 2CD", "current": True}])
        request = make_request(session, subject=subject, period_from=date(2020, 1, 1))
        request_id = request.id
        search.start_searches(session, rt.queue, request_id, "user:1")
    run_pending(rt.db, rt.queue, 2)
    with rt.db.transaction() as session:
        [task] = session.scalars(select(SearchTask)).all()
        assert task.status == "done", task.error
        outcomes = {c.person_id: c.outcome for c in session.scalars(select(SearchCandidate))}
        assert outcomes == {"1": "accept", "2": "reject", "3": "reject", "4": "reject"}
        records = session.scalars(select(GatheredRecord).where(GatheredRecord.request_id == request_id)).all()
        assert sorted(r.record_id for r in records) == ["N1", "N2"]
        assert {r.person_id for r in records} == {"1"}
        assert task.record_count == 2 and task.candidate_count == 4
        assert audit.verify(session).ok
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "search.completed")).all()
