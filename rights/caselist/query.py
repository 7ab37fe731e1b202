"""The case list's query: filters, name and reference search, due windows, keyset pagination and capped
counts, answered from indexes at 100,000 cases (measured by bench/dashboard.py).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import Boolean, ColumnElement, Select, bindparam, false, func, or_, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.visitors import InternalTraversal

from rights import clock, workflow
from rights.caselist.due import DueWindow, due_bounds
from rights.models import Person, PersonSearchKey, RightsRequest, User, escape_like, names_service
from rights.models.people_index import name_digest, query_keys
from rights.vocabulary import KIND_SHORT_LABELS
from rights.workflow import CLOSED_STAGES  # stages needing no more work, from the workflow table

PAGE_SIZE = 25
COUNT_CAP = 1000
MAX_SEARCH_WORDS = 5


def stage_label(status: str) -> str:
    """The stage in plain words, from the workflow table."""
    return workflow.label(status)


def stages() -> list[str]:
    """Every stage a case can be in, for the stage filter (from the table: DISTINCT over 100,000 rows is slow)."""
    return list(workflow.STATE_LABELS)


def kind_label(kind: str) -> str:
    return KIND_SHORT_LABELS.get(kind, kind.capitalize())


# --------------------------------------------------------------------------------------------------
# Filters, cursors, rows


@dataclass(frozen=True)
class CaseFilter:
    """What the officer asked for. ``stage`` is ``"open"`` (default), ``"all"``, or one stage."""

    kind: str | None = None
    stage: str = "open"
    due: DueWindow | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    service: str | None = None
    q: str = ""
    descending: bool = False

    def describe(self) -> dict[str, Any]:
        """The filter as plain data for the audit trail.

        A name typed in the search is not kept (the trail is append-only and outlives every case): the
        entry keeps a keyed digest of the folded words instead, so "did anyone search for this name?" can
        still be answered by someone holding the key, and a stolen trail names nobody.
        """
        out = {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in self.__dict__.items()
               if v not in (None, "", False)}
        if self.q and not is_reference_search(self.q):
            out["q"] = f"name:{name_digest(self.q)}"
        return out


@dataclass(frozen=True)
class Cursor:
    """A position in the list: the due date (``None`` for undated cases) and id of a case."""

    due_on: date | None
    id: int

    def encode(self) -> str:
        return f"{self.due_on.isoformat() if self.due_on else '-'}.{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """Parse a cursor from a query string; anything malformed means "from the start"."""
        if not raw:
            return None
        match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}|-)\.(\d{1,12})", raw.strip())
        if not match:
            return None
        try:
            due = None if match[1] == "-" else date.fromisoformat(match[1])
        except ValueError:
            return None
        return cls(due, int(match[2]))


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    kind: str
    subject_name: str
    status: str
    due_on: date | None
    days_left: int | None  # None when the case is closed or has no due date
    marker: str  # red | amber | green | none
    assignee_name: str | None
    provisional: bool

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def stage_label(self) -> str:
        return stage_label(self.status)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.due_on, self.id)


@dataclass
class CasePage:
    rows: list[CaseRow]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None
    count: int
    count_capped: bool
    filter: CaseFilter = field(default_factory=CaseFilter)


def marker_for(days_left: int | None) -> str:
    return "none" if days_left is None else clock.rag(days_left)


# --------------------------------------------------------------------------------------------------
# Queries

RR = RightsRequest


def is_reference_search(q: str) -> bool:
    """References always contain digits (SAR-2026-00042); names never do."""
    return any(ch.isdigit() for ch in q)


class _AmongPeople(ColumnElement[bool]):
    """``column`` is one of the people the subquery finds.

    On PostgreSQL written ``column = ANY(ARRAY(subquery))``: the array is computed once (the trigram
    indexes answer it) and each side then uses its own index (subject, requester), combined by a bitmap OR;
    a plain ``IN (subquery)`` on either side of an OR is a filter over every request instead (measured:
    3x slower over all stages of 100,000 cases). Elsewhere (SQLite, the demo) it is ``IN (subquery)``.
    """

    inherit_cache = True
    type = Boolean()
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [
        ("column", InternalTraversal.dp_clauseelement), ("people", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any], people: ColumnElement[Any]) -> None:
        self.column = column
        self.people = people


@compiles(_AmongPeople)
def _among_people_default(element: _AmongPeople, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} IN {compiler.process(element.people, **kw)}"


@compiles(_AmongPeople, "postgresql")
def _among_people_postgresql(element: _AmongPeople, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{compiler.process(element.people, **kw)})"


def _search_condition(q: str) -> tuple[ColumnElement[bool] | None, bool]:
    """The search condition and whether it needs the subject (people) joined (never, now: names are matched
    in a subquery, the subject's and the requester's alike)."""
    q = " ".join(q.split())[:100]
    if not q:
        return None, False
    if is_reference_search(q):
        return RR.reference.ilike(f"%{escape_like(q)}%", escape="\\"), False
    parts = [keys for word in q.split(" ") for keys in query_keys(word)][:MAX_SEARCH_WORDS]
    if not parts:
        return false(), False  # nothing a name could start with
    # The people with a name starting with every word typed (names are encrypted: keyed digests of their
    # prefixes answer this, rights.models.people_index), then the cases they are the subject or the
    # requester of (an index each): a parent is found by their own name as well as the child's.
    each = [aliased(PersonSearchKey) for _ in parts]
    people = select(each[0].person_id).where(each[0].key.in_(parts[0]))
    for other, keys in zip(each[1:], parts[1:], strict=True):
        people = people.join(other, other.person_id == each[0].person_id).where(other.key.in_(keys))
    found = people.distinct().scalar_subquery()
    return or_(_AmongPeople(RR.subject_id, found), _AmongPeople(RR.requester_id, found)), False


def open_condition() -> ColumnElement[bool]:
    """Open cases. The stages are rendered as literals so PostgreSQL can match the partial index
    ``ix_requests_open_due`` (a bound parameter would hide them from a generic plan)."""
    return RR.status.not_in(bindparam("closed_stages", list(CLOSED_STAGES), expanding=True, literal_execute=True))


def conditions(f: CaseFilter, today: date) -> tuple[list[ColumnElement[bool]], bool]:
    """The WHERE conditions for a filter, and whether they need the subject joined."""
    where: list[ColumnElement[bool]] = []
    if f.kind:
        where.append(RR.kind == f.kind)
    if f.stage == "open":
        where.append(open_condition())
    elif f.stage != "all":
        where.append(RR.status == f.stage)
    if f.unassigned:
        where.append(RR.assignee_id.is_(None))
    elif f.assignee_id is not None:
        where.append(RR.assignee_id == f.assignee_id)
    if f.due is not None:
        low, high = due_bounds(f.due, today)
        if low is not None:
            where.append(RR.due_on >= low)
        if high is not None:
            where.append(RR.due_on < high)
    if f.service:
        where.append(names_service(f.service))
    search, needs_person = _search_condition(f.q)
    if search is not None:
        where.append(search)
    return where, needs_person


def _base(columns: Sequence[Any], where: list[ColumnElement[bool]], join_person: bool, join_user: bool) -> Select[Any]:
    stmt = select(*columns).select_from(RR)
    if join_person:
        stmt = stmt.join(Person, Person.id == RR.subject_id)
    if join_user:
        stmt = stmt.outerjoin(User, User.id == RR.assignee_id)
    return stmt.where(*where)


_ROW_COLUMNS = (RR.id, RR.reference, RR.kind, RR.status, RR.due_on, RR.clock_provisional, RR.responded_on,
                Person.given_names, Person.family_name, User.name)


def _fetch_segment(session: Session, f: CaseFilter, today: date, *, dated: bool, after: Cursor | None,
                   forward: bool, descending: bool, limit: int) -> list[Any]:
    """One ordered run of rows: the dated cases by (due_on, id), or the undated ones by id. ``forward`` walks
    the display order (ascending, or descending when ``descending``), backward from ``after`` ("previous")."""
    return list(session.execute(_kept(_segment_statement, f, today, dated, after, forward, descending, limit)))


def _kept(build: Any, f: CaseFilter, *args: Any) -> Select[Any]:
    """``build``'s statement, kept per filter and day (officers read the same lists again and again, and building
    one costs more than running it). A name search's is kept by the digests its words look up under the current
    keys as well, so no statement outlives the keys it was built with."""
    digests = () if not f.q or is_reference_search(f.q) else tuple(
        tuple(map(tuple, query_keys(word))) for word in " ".join(f.q.split())[:100].split(" "))
    return build(f, *args, digests)  # type: ignore[no-any-return]


@lru_cache(maxsize=512)
def _segment_statement(f: CaseFilter, today: date, dated: bool, after: Cursor | None, forward: bool,
                       descending: bool, limit: int, _digests: tuple[Any, ...]) -> Select[Any]:
    where, _ = conditions(f, today)
    ascending = forward != descending
    stmt = _base(_ROW_COLUMNS, where, join_person=True, join_user=True)
    if dated:
        stmt = stmt.where(RR.due_on.is_not(None))
        if after is not None and after.due_on is not None:
            key = tuple_(RR.due_on, RR.id)
            stmt = stmt.where(key > tuple_(after.due_on, after.id) if ascending
                              else key < tuple_(after.due_on, after.id))
        order = (RR.due_on.asc(), RR.id.asc()) if ascending else (RR.due_on.desc(), RR.id.desc())
    else:
        stmt = stmt.where(RR.due_on.is_(None))
        if after is not None:
            stmt = stmt.where(RR.id > after.id if ascending else RR.id < after.id)
        order = (RR.id.asc(),) if ascending else (RR.id.desc(),)
    return stmt.order_by(*order).limit(limit)


def _rows_in_order(session: Session, f: CaseFilter, today: date, *, start: Cursor | None, forward: bool,
                   descending: bool, limit: int) -> list[Any]:
    """Up to ``limit`` rows strictly after ``start`` (forward) or before it (backward), dated cases first."""
    rows: list[Any] = []
    if forward:
        if start is None or start.due_on is not None:
            rows = _fetch_segment(session, f, today, dated=True, after=start, forward=True, descending=descending,
                                  limit=limit)
            if len(rows) < limit:
                rows += _fetch_segment(session, f, today, dated=False, after=None, forward=True,
                                       descending=descending, limit=limit - len(rows))
        else:
            rows = _fetch_segment(session, f, today, dated=False, after=start, forward=True, descending=descending,
                                  limit=limit)
        return rows
    if start is None:
        return []
    if start.due_on is None:
        rows = _fetch_segment(session, f, today, dated=False, after=start, forward=False, descending=descending,
                              limit=limit)
        if len(rows) < limit:
            rows += _fetch_segment(session, f, today, dated=True, after=None, forward=False, descending=descending,
                                   limit=limit - len(rows))
    else:
        rows = _fetch_segment(session, f, today, dated=True, after=start, forward=False, descending=descending,
                              limit=limit)
    return rows


def working_days_left_many(dues: Iterable[date], today: date) -> dict[date, int]:
    """:func:`rights.clock.working_days_left` for each distinct due date on a page (the clock counts
    arithmetically, so even a case overdue for years costs no more than one due this week)."""
    return {due: clock.working_days_left(due, today) for due in set(dues)}


def _is_open_row(raw: Any) -> bool:
    return raw.status not in CLOSED_STAGES and raw.responded_on is None and raw.due_on is not None


def _to_rows(raws: Sequence[Any], today: date) -> list[CaseRow]:
    days = working_days_left_many((r.due_on for r in raws if _is_open_row(r)), today)
    rows = []
    for raw in raws:
        days_left = days[raw.due_on] if _is_open_row(raw) else None
        rows.append(CaseRow(
            id=raw.id, reference=raw.reference, kind=raw.kind,
            subject_name=f"{raw.given_names} {raw.family_name}".strip(), status=raw.status, due_on=raw.due_on,
            days_left=days_left, marker=marker_for(days_left), assignee_name=raw.name,
            provisional=bool(raw.clock_provisional),
        ))
    return rows


def count_cases(session: Session, f: CaseFilter, today: date, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many cases match, counted up to ``cap`` (returns ``(cap, True)`` when there are more)."""
    n = session.scalar(_kept(_count_statement, f, today, cap)) or 0
    return (cap, True) if n > cap else (n, False)


@lru_cache(maxsize=512)
def _count_statement(f: CaseFilter, today: date, cap: int, _digests: tuple[Any, ...]) -> Select[Any]:
    where, needs_person = conditions(f, today)
    inner = _base((RR.id,), where, join_person=needs_person, join_user=False).limit(cap + 1).subquery()
    return select(func.count()).select_from(inner)


def list_cases(session: Session, f: CaseFilter, today: date, *, after: Cursor | None = None,
               before: Cursor | None = None, size: int = PAGE_SIZE, count: bool = True) -> CasePage:
    """One page of the case list in due-date order (soonest first unless ``f.descending``).

    ``after`` gives the page following that case, ``before`` the page preceding it; neither gives the
    first page. Each page costs one or two index-ordered ``LIMIT`` queries whatever its depth.
    """
    if before is not None:
        raw = _rows_in_order(session, f, today, start=before, forward=False, descending=f.descending, limit=size + 1)
        has_more_before = len(raw) > size
        rows = _to_rows(list(reversed(raw[:size])), today)
        prev_cursor = rows[0].cursor if rows and has_more_before else None
        next_cursor = rows[-1].cursor if rows else None
    else:
        raw = _rows_in_order(session, f, today, start=after, forward=True, descending=f.descending, limit=size + 1)
        has_more = len(raw) > size
        rows = _to_rows(raw[:size], today)
        next_cursor = rows[-1].cursor if rows and has_more else None
        prev_cursor = rows[0].cursor if rows and after is not None else None
    n, capped = count_cases(session, f, today) if count else (len(rows), False)
    return CasePage(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, count=n, count_capped=capped,
                    filter=f)


# --------------------------------------------------------------------------------------------------
# Choices for the filters


def known_services() -> list[tuple[str, str]]:
    """The council's services (key, label) from its privacy notice: the service filter's choices."""
    from rights import privacy_notice

    return [(svc.key, svc.label) for svc in privacy_notice.load().services]


