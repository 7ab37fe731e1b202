"""The ``sql`` connector: any database SQLAlchemy can reach, usually a reporting replica.

A council maps its person table's columns onto Rights Desk's identity fields and writes two queries
in its own schema's terms: the records of one person in a date range, and the people involved in
those records. Every value travels as a bound parameter; the only names put into SQL are the table
and column names from the sources file, and those are quoted by SQLAlchemy, never string-formatted.

Settings (``[source.settings]``)::

    url = "postgresql+psycopg://reader@replica/lcs"
    person_table = "person"            # optional: schema = "reporting"
    max_candidates = 500               # more than this many people sharing the blocking keys is an error
    previous_names_separator = ";"
    [source.settings.columns]          # Identity field -> column; person_id, given_names, family_name required
    person_id = "person_id"
    given_names = "forename"
    family_name = "surname"
    date_of_birth = "dob"
    nhs_number = "nhs_no"
    upn = "upn"
    postcode = "postcode"
    address = "address"                # one text column; lines split on commas or new lines
    previous_names = "former_names"
    [source.settings.other_ids]        # identifier scheme -> column
    LCS = "lcs_id"
    [source.settings.queries]
    records = "SELECT note_id AS record_id, note_date AS date, title, body AS text FROM case_note WHERE ..."
    involvements = "SELECT note_id AS record_id, name, role, job_title FROM note_person WHERE ..."
    addresses = "SELECT person_id, address, postcode, is_current AS current FROM address WHERE person_id IN :person_ids"

The records and involvements queries receive ``:person_id`` and ``:date_from``/``:date_to`` (always
dates: the request's period, or 1900-01-01 and 9999-12-31 when it has none).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from rights.sources import blocking
from rights.sources.base import (
    Address,
    Candidate,
    Identity,
    Involvement,
    NotSearchable,
    SearchTerms,
    SourceError,
    SourceRecord,
)

IDENTITY_COLUMNS = ("person_id", "given_names", "family_name", "date_of_birth", "nhs_number", "upn", "postcode",
                    "address", "previous_names")
REQUIRED_COLUMNS = ("person_id", "given_names", "family_name")
RECORD_FIELDS = {"record_id", "date", "title", "text", "file_name", "content_type", "file_bytes"}
EARLIEST = date(1900, 1, 1)
LATEST = date(9999, 12, 31)


class SqlConnector:
    """Candidates by blocking keys on the person table; records and involvements by the council's queries."""

    def __init__(
        self,
        name: str,
        service: str,
        *,
        url: str,
        person_table: str,
        columns: dict[str, str],
        records_query: str,
        involvements_query: str | None = None,
        addresses_query: str | None = None,
        other_ids: dict[str, str] | None = None,
        schema: str | None = None,
        previous_names_separator: str = ";",
        max_candidates: int = 500,
        timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.service = service
        self.url = url
        self.columns = columns
        self.other_ids = other_ids or {}
        self.records_query = records_query
        self.involvements_query = involvements_query
        self.addresses_query = addresses_query
        self.separator = previous_names_separator
        self.max_candidates = max_candidates
        self.timeout = timeout
        wanted = [sa.column(c) for c in {*columns.values(), *self.other_ids.values()}]
        self.table = sa.table(person_table, *wanted, schema=schema)
        self.dob_column = columns.get("date_of_birth")
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing
    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                kwargs: dict[str, Any] = {"pool_pre_ping": True}
                if self.url.startswith("postgresql"):
                    # The database enforces the timeout too, so a slow query does not outlive the search.
                    kwargs["connect_args"] = {
                        "connect_timeout": max(1, int(self.timeout)),
                        "options": f"-c statement_timeout={int(self.timeout * 1000)}",
                    }
                self._engine = sa.create_engine(self.url, **kwargs)
            return self._engine

    def _run(self, statement: sa.Executable, params: dict[str, Any] | None = None) -> list[sa.Row[Any]]:
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(statement, params or {}))
        except SQLAlchemyError as exc:
            raise SourceError(f"{self.name}: database error: {exc.__class__.__name__}: {_first_line(exc)}") from exc

    def _col(self, field: str) -> sa.ColumnClause[Any]:
        return self.table.c[self.columns[field]]

    # ------------------------------------------------------------------ candidates
    def find_candidates(self, terms: SearchTerms) -> list[Candidate]:
        keys = blocking.BlockingKeys.of(terms.identity)
        conditions = self._blocking_conditions(terms.identity, keys)
        if not conditions:
            raise NotSearchable(f"{self.name}: the subject has no name, date of birth or identifier to search by")
        statement = sa.select(self.table).where(sa.or_(*conditions)).limit(self.max_candidates + 1)
        rows = self._run(statement)
        if len(rows) > self.max_candidates:
            raise NotSearchable(
                f"{self.name}: more than {self.max_candidates} people share the subject's name or date of birth; "
                "add an identifier (NHS number, UPN, case number) to the request"
            )
        id_column = self.columns["person_id"]
        raw_ids = {str(row._mapping[id_column]): row._mapping[id_column] for row in rows}
        identities = {str(row._mapping[id_column]): self._identity(row._mapping) for row in rows}
        if self.addresses_query and identities:
            for person_id, addresses in self._addresses(list(raw_ids.values())).items():
                if person_id in identities:
                    old = identities[person_id]
                    identities[person_id] = replace(old, addresses=old.addresses + tuple(addresses))
        # The key's database type travels with the candidate, so "00123" stays text and 123 an integer.
        return [Candidate(source=self.name, person_id=pid, identity=ident,
                          extra={"integer_id": isinstance(raw_ids[pid], int)})
                for pid, ident in identities.items()]

    def _blocking_conditions(self, subject: Identity, keys: blocking.BlockingKeys) -> list[Any]:
        conditions: list[Any] = []
        if keys.nhs_number and "nhs_number" in self.columns:
            conditions.append(self._col("nhs_number").in_(blocking.nhs_forms(keys.nhs_number)))
        if keys.upn and "upn" in self.columns:
            conditions.append(self._col("upn").in_({keys.upn, keys.upn.lower()}))
        for scheme, column in self.other_ids.items():
            for subject_scheme, value in subject.other_ids:
                if subject_scheme.strip().lower() == scheme.lower() and value.strip():
                    conditions.append(self.table.c[column] == value.strip())
        if keys.dates_of_birth and self.dob_column:
            conditions.append(self._col("date_of_birth").in_(sorted(keys.dates_of_birth)))
        names = set(keys.family_names)
        for name in {subject.family_name, *blocking.previous_family_names(subject)}:
            names.add(name.strip().lower())
        names.discard("")
        if names:
            family = sa.func.lower(self._col("family_name")).in_(sorted(names))
            if keys.birth_years and self.dob_column:
                dob = self._col("date_of_birth")
                window = dob.between(date(min(keys.birth_years), 1, 1), date(max(keys.birth_years), 12, 31))
                family = sa.and_(family, sa.or_(window, dob.is_(None)))
            conditions.append(family)
        return conditions

    def _identity(self, row: Any) -> Identity:
        def value(field: str) -> Any:
            column = self.columns.get(field)
            return row[column] if column else None

        previous = value("previous_names")
        addresses: tuple[Address, ...] = ()
        if value("address") or value("postcode"):
            addresses = (Address(lines=_lines(value("address")), postcode=_text(value("postcode")), current=True),)
        other = tuple((scheme, str(row[column])) for scheme, column in self.other_ids.items()
                      if row[column] not in (None, ""))
        return Identity(
            given_names=_text(value("given_names")) or "",
            family_name=_text(value("family_name")) or "",
            date_of_birth=as_date(value("date_of_birth")),
            previous_names=tuple(p.strip() for p in (previous or "").split(self.separator) if p.strip()),
            addresses=addresses,
            nhs_number=_text(value("nhs_number")),
            upn=_text(value("upn")),
            other_ids=other,
        )

    def _addresses(self, person_ids: list[Any]) -> dict[str, list[Address]]:
        assert self.addresses_query is not None
        statement = sa.text(self.addresses_query).bindparams(sa.bindparam("person_ids", expanding=True))
        found: dict[str, list[Address]] = defaultdict(list)
        for row in self._run(statement, {"person_ids": person_ids}):
            m = row._mapping
            found[str(m["person_id"])].append(Address(
                lines=_lines(m.get("address") or m.get("lines")), postcode=_text(m.get("postcode")),
                current=bool(m.get("current")),
            ))
        return found

    # ------------------------------------------------------------------ records
    def fetch_records(self, candidate: Candidate, terms: SearchTerms) -> list[SourceRecord]:
        person_id: Any = int(candidate.person_id) if candidate.extra.get("integer_id") else candidate.person_id
        params = {"person_id": person_id,
                  "date_from": terms.date_from or EARLIEST, "date_to": terms.date_to or LATEST}
        involved: dict[str, list[Involvement]] = defaultdict(list)
        if self.involvements_query:
            for row in self._run(_statement(self.involvements_query), params):
                m = row._mapping
                involved[str(m["record_id"])].append(Involvement(
                    name=_text(m["name"]) or "", role=_text(m.get("role")) or "other",
                    job_title=_text(m.get("job_title")), person_id=_text(m.get("person_id")),
                    address=_text(m.get("address")),
                ))
        records = []
        for row in self._run(_statement(self.records_query), params):
            m = dict(row._mapping)
            record_id = str(m["record_id"])
            data = m.get("file_bytes")
            records.append(SourceRecord(
                source=self.name,
                record_id=record_id,
                person_id=candidate.person_id,
                date=as_date(m.get("date")),
                title=_text(m.get("title")) or f"Record {record_id}",
                text=_text(m.get("text")),
                file_bytes=bytes(data) if data is not None else None,
                file_name=_text(m.get("file_name")),
                content_type=_text(m.get("content_type")),
                metadata={k: _jsonable(v) for k, v in m.items() if k not in RECORD_FIELDS},
                involved=tuple(involved.get(record_id, ())),
            ))
        return records


# ---------------------------------------------------------------------- helpers
def _statement(query: str) -> sa.TextClause:
    """A text query with its date parameters typed, so every driver binds them as dates."""
    statement = sa.text(query)
    typed = [sa.bindparam(name, type_=sa.Date) for name in ("date_from", "date_to") if re.search(rf":{name}\b", query)]
    return statement.bindparams(*typed) if typed else statement


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _lines(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(part.strip() for part in re.split(r"[,\n]", str(value)) if part.strip())


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""


def from_settings(*, name: str, service: str, settings: Any, timeout: float, base_dir: Path) -> SqlConnector:
    """Build from ``[source.settings]`` (see the module docstring); errors name the key."""
    url = settings.str("url", required=True)
    try:
        sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise settings.error("url", f"is not a SQLAlchemy URL: {exc}") from exc
    columns = settings.table("columns", required=True)
    for key, column in columns.items():
        if key not in IDENTITY_COLUMNS:
            raise settings.error(f"columns.{key}", f"is not an identity field ({', '.join(IDENTITY_COLUMNS)})")
        if not isinstance(column, str) or not column.strip():
            raise settings.error(f"columns.{key}", "must be a column name")
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            raise settings.error(f"columns.{key}", "is required")
    other_ids = settings.table("other_ids")
    for scheme, column in other_ids.items():
        if not isinstance(column, str) or not column.strip():
            raise settings.error(f"other_ids.{scheme}", "must be a column name")
    queries = settings.table("queries", required=True)
    unknown = sorted(set(queries) - {"records", "involvements", "addresses"})
    if unknown:
        raise settings.error(f"queries.{unknown[0]}", "is not a known query (records, involvements, addresses)")
    records = queries.get("records")
    if not isinstance(records, str) or ":person_id" not in records:
        raise settings.error("queries.records", "is required and must use the :person_id parameter")
    involvements = queries.get("involvements")
    if involvements is not None and (not isinstance(involvements, str) or ":person_id" not in involvements):
        raise settings.error("queries.involvements", "must use the :person_id parameter")
    addresses = queries.get("addresses")
    if addresses is not None and (not isinstance(addresses, str) or ":person_ids" not in addresses):
        raise settings.error("queries.addresses", "must use the :person_ids parameter (a list)")
    max_candidates = settings.get("max_candidates", int, 500)
    if max_candidates < 1:
        raise settings.error("max_candidates", "must be at least 1")
    return SqlConnector(
        name, service,
        url=url,
        person_table=settings.str("person_table", required=True),
        schema=settings.str("schema"),
        columns=columns,
        other_ids=other_ids,
        records_query=records,
        involvements_query=involvements,
        addresses_query=addresses,
        previous_names_separator=settings.str("previous_names_separator", ";"),
        max_candidates=max_candidates,
        timeout=timeout,
    )
