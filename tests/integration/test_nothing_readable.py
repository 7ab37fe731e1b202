"""Nothing personal is stored readable: after a demo-like flow, every text column of every table (people and
the outbox's recipients included, the audit trail too) and every file on disk is scanned for the personal
strings that went in, and none is found.

The flow: the demo's requests are logged; a citizen submits through the portal with proof of identity;
one demo case is searched across the seven demo systems (records, files, the people they involve); the
redactions are proposed, records decided and a response prepared (letter and bundle PDFs); an officer
writes a note and closes a search with a reason naming the subject (audited), a letter's PDF twin is
stored, the outbox holds the acknowledgements. The known strings are
the names, dates of birth, addresses, email addresses, phone and NHS numbers of the demo subjects and
requesters, the citizen, and every person the gathered records involve.

What stays readable by design is asserted separately (``README.md``, "What is encrypted"): ids, references,
stages, dates of the case, counts, hashes and keyed digests, the staff directory.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, select, text

from rights import search
from rights.bundles import case_letters, versions
from rights.cases import Actor
from rights.demo.requests import seed_demo_requests
from rights.models import Base, GatheredRecord, Note, Person, RightsRequest, SearchTask, User
from rights.redaction import decisions, service
from rights.security import cipher_for
from tests.factories import make_person
from tests.integration.portal_support import Portal, portal_app
from tests.integration.staff_support import make_staff
from tests.integration.test_search_tasks import start_and_run
from tests.portal_journeys import PNG, journey

CITIZEN = {"given_names": "Zephyrine", "family_name": "Quillfeather", "dob": ("17", "4", "1986")}
CITIZEN_EMAIL = "zephyrine.quill@example.net"
CITIZEN_STRINGS = ["Zephyrine", "Quillfeather", "1986-04-17", CITIZEN_EMAIL, "9434765919", "943 476 5919",
                   "1 High Street", "SY3 8HQ", "zephyrine-passport.png", "Larkspur Row"]


def _submit(settings: Any) -> None:
    app = portal_app(settings)
    portal = Portal(app.test_client())
    steps = journey("access", "self_adult", email=CITIZEN_EMAIL, person=CITIZEN)
    steps = [(s, {**d, "first": "My records from when I lived at 4 Larkspur Row"} if s == "details" else d)
             for s, d in steps]
    portal.complete(steps, files={"proof-of-id": (PNG, "zephyrine-passport.png")})
    portal.submit()


def _people_strings(session: Any) -> set[str]:
    """Every name, date of birth, address line, postcode, email and phone of the people on the requests."""
    out: set[str] = set()
    for p in session.scalars(select(Person)):
        out |= {p.given_names, p.family_name, f"{p.given_names} {p.family_name}", p.email or "", p.phone or ""}
        out |= {p.date_of_birth.isoformat(), p.date_of_birth.strftime("%d/%m/%Y")} if p.date_of_birth else set()
        for address in p.addresses or []:
            out |= {*address.get("lines", []), address.get("postcode", "")}
        out |= {str(v) for v in (p.identifiers or {}).values()}
    return out


def _involved_strings(session: Any, cipher: Any) -> set[str]:
    out: set[str] = set()
    for record in session.scalars(select(GatheredRecord)):
        for person in search.record_involved(record, cipher):
            out |= {person["name"] or "", person.get("address") or ""}
    return out


def _needles(found: set[str]) -> list[str]:
    """Strings long and specific enough that ciphertext (URL-safe base64) cannot contain them by chance:
    eight characters or more, or anything with a space, @ or / (which base64 never holds)."""
    return sorted({s.strip() for s in found if len(s.strip()) >= 8 or re.search(r"[ @/]", s.strip() or "x")}
                  - {""}, key=str.lower)


def _scan_database(rt: Any, needles: list[str]) -> list[str]:
    hits = []
    lowered = [(n, n.lower().encode()) for n in needles]
    with rt.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            binary = [c.name for c in table.columns if isinstance(c.type, LargeBinary)]
            for (row_text,) in conn.execute(text(f'SELECT t::text FROM "{table.name}" t')):
                low = row_text.lower()
                hits += [f"{table.name}: {n!r}" for n, _ in lowered if n.lower() in low]
            for name in binary:
                for (value,) in conn.execute(text(f'SELECT "{name}" FROM "{table.name}" WHERE "{name}" IS NOT NULL')):
                    low = bytes(value).lower()
                    hits += [f"{table.name}.{name}: {n!r}" for n, b in lowered if b in low]
    return sorted(set(hits))


def _scan_files(root: Path, needles: list[str]) -> tuple[int, list[str]]:
    hits, files = [], 0
    for path in root.rglob("*"):
        if path.is_file():
            files += 1
            data = path.read_bytes().lower()
            hits += [f"{path.name}: {n!r}" for n in needles
                     if n.lower().encode() in data or n.lower().encode("utf-16-le") in data]
    return files, hits


def test_nothing_personal_is_stored_readable(rt, settings) -> None:  # type: ignore[no-untyped-def]
    settings.sources_file = None  # the seven demo systems
    officer = make_staff(rt, "officer")
    assert seed_demo_requests(rt) >= 4
    _submit(settings)
    cipher = cipher_for(settings.encryption_keys)
    with rt.db.transaction() as session:
        demo_case = session.scalars(select(RightsRequest).order_by(RightsRequest.id)).first()
        demo_case.id_verified, demo_case.status = True, "review"
        subject = demo_case.subject
        session.add(Note(request_id=demo_case.id, author_id=officer.id,
                         body=f"{subject.given_names} {subject.family_name} called about the file"))
        demo_id = demo_case.id
    start_and_run(rt, demo_id)
    with rt.db.transaction() as session:  # an officer's free-text reason naming the subject (audited)
        open_task = session.scalars(select(SearchTask).where(SearchTask.request_id == demo_id,
                                                             SearchTask.confirmed_at.is_(None))).first()
        assert open_task is not None
        search.close_task(session, open_task.id, Actor(officer.id, "officer"),
                          f"{subject.given_names} {subject.family_name} says the paper file was destroyed")
    with rt.db.transaction() as session:
        service.propose_for_request(session, cipher, settings.secret_key, demo_id)
        records = session.scalars(select(GatheredRecord).where(GatheredRecord.request_id == demo_id)
                                  .order_by(GatheredRecord.id)).all()
        assert len(records) >= 5, "the demo subject has records in the demo systems"
        readable = [r for r in records if r.text_enc is not None][:4]  # four go in the bundle
        for record in records:
            if record in readable:
                decisions.include_record(session, demo_id, record.id, "user:1", accept_all=True)
            else:
                decisions.withhold_record(session, demo_id, record.id, "TP", "user:1")
    with rt.db.transaction() as session:
        version = versions.prepare(session, settings, rt.files, cipher, demo_id, "user:1")
        assert version.pages >= 1
        letter = case_letters.store_letter(session, settings, rt.files, demo_id, "acknowledgement", "", 1)
        assert letter is not None

    with rt.db.transaction() as session:
        known = _people_strings(session) | _involved_strings(session, cipher) | set(CITIZEN_STRINGS)
        staff = {u.name for u in session.scalars(select(User))} | {u.email for u in session.scalars(select(User))}
        session.rollback()
    needles = [n for n in _needles(known) if n not in staff]
    assert len(needles) >= 60 and {CITIZEN_EMAIL, "Zephyrine Quillfeather"} <= set(needles)
    assert _scan_database(rt, needles) == []
    files, hits = _scan_files(Path(settings.upload_dir), needles)
    assert files >= 4 and hits == []  # the passport, the draft letter and bundle PDFs, a letter's PDF twin
    # The scanners find what is readable: a reference (readable by design) in the requests and the audit trail.
    with rt.db.transaction() as session:
        reference = session.get(RightsRequest, demo_id).reference
    assert {h.split(":")[0] for h in _scan_database(rt, [reference])} >= {"requests", "audit_events"}
    # The two the issue names: the people table and the outbox's recipients, read raw.
    with rt.db.engine.connect() as conn:
        people = " ".join(str(r) for r in conn.execute(text("SELECT * FROM people")).all())
        recipients = [r for (r,) in conn.execute(text('SELECT "to" FROM outbox_messages'))]
    assert "Quillfeather" not in people and "Zephyrine" not in people
    assert recipients and not any("@" in r for r in recipients)
    # ...and the product still reads them: found by name, duplicates still flagged.
    from rights.caselist import CaseFilter, list_cases
    from rights.intake import find_possible_duplicate

    with rt.db.transaction() as session:
        page = list_cases(session, CaseFilter(q="Quillf", stage="all"), date.today())
        assert [r.subject_name for r in page.rows] == ["Zephyrine Quillfeather"]
        assert find_possible_duplicate(session, make_person(given_names="zephyrine", family_name="QUILLFEATHER",
                                                            date_of_birth=date(1986, 4, 17)), date.today())
        session.rollback()
