"""``rights keys rotate``: every encrypted column, the name index and every stored file move under the newest
key; an interrupted run resumes; a second run rotates nothing; then the old key can go and all still opens."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text

from rights import keys, runtime, security
from rights.caselist import CaseFilter, list_cases
from rights.drafts import Drafts
from rights.intake import find_possible_duplicate
from rights.models import (
    Document,
    GatheredRecord,
    Note,
    OutboxMessage,
    Person,
    RightsRequest,
    SealedBytes,
    SearchTask,
)
from tests.factories import make_person, make_request
from tests.integration.staff_support import make_staff

SUBJECT = {"given_names": "Zephyrine", "family_name": "Quillfeather", "date_of_birth": date(2011, 4, 17),
           "email": "zephyrine.q@example.net"}
LEGACY_PHONE = "07700 900417"


def _seed(rt: Any, settings: Any) -> int:
    """A case with something in every kind of encrypted place, under the settings' (old) key."""
    officer = make_staff(rt, "officer")  # a TOTP secret (SealedBytes) on the users table
    cipher = security.cipher_for(settings.encryption_keys)
    with rt.db.transaction() as session:
        request = make_request(session, subject=make_person(**SUBJECT))
        request.details = {"what": "Zephyrine's file"}
        session.add(Note(request_id=request.id, author_id=officer.id, body="Zephyrine rang about the file"))
        session.add(Document(request_id=request.id, purpose="proof_of_id", filename="zephyrine-passport.png",
                             content_type="image/png", size=9, sha256="0" * 64, uploaded_by="citizen",
                             storage_key=rt.files.put(b"PASSPORT ZEPHYRINE QUILLFEATHER")))
        task = SearchTask(request_id=request.id, source="csc", service="childrens_social_care", source_type="folder",
                          run_by="user:1", terms={"given_names": "Zephyrine"})
        session.add(task)
        session.flush()
        session.add(GatheredRecord(request_id=request.id, task_id=task.id, source="csc", record_id="R1",
                                   person_id="P1", title="Visit to Zephyrine", origin="connector", added_by="worker",
                                   text_enc=cipher.encrypt(b"Zephyrine was seen at home."),
                                   involved_enc=cipher.encrypt(b"[]"), file_key=rt.files.put(b"Zephyrine visit note")))
        session.add(OutboxMessage(key="ack-1", request_id=request.id, to=SUBJECT["email"], template="acknowledgement",
                                  subject="Your request", body_text="Dear Zephyrine"))
        Drafts(cipher, timedelta(minutes=60)).save(session, "draft-token", {"given_names": "Zephyrine"})
        request_id = request.id
    # What an older release left: a value written before its column was encrypted, a file under the raw key.
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE people SET phone = :p WHERE id = (SELECT subject_id FROM requests WHERE id = :i)"),
                     {"p": LEGACY_PHONE, "i": request_id})
    legacy = Path(settings.upload_dir) / "ff" / ("ff" + "0" * 38 + ".bin")
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(Fernet(settings.encryption_keys[0].encode()).encrypt(b"Zephyrine, legacy upload"))
    return request_id


def _stored_values(rt: Any) -> int:
    """How many encrypted values are stored (non-null, in every encrypted column)."""
    with rt.db.engine.connect() as conn:
        return sum(conn.execute(text(f'SELECT count("{c.name}") FROM "{enc.table.name}"')).scalar() or 0
                   for enc in keys.encrypted_tables() for c in enc.columns)


def _with_keys(settings: Any, keys_: list[str]) -> Any:
    """A runtime for the same database and files with these keys (as a restarted host would have)."""
    return runtime.init(dataclasses.replace(settings, encryption_keys=keys_))


def _everything_opens_with(rt: Any, settings: Any, request_id: int) -> None:
    """Every encrypted value and every file opens with the runtime's keys alone (no legacy fallback)."""
    strict_columns = security.Cipher(security.purpose_keys(rt.settings.encryption_keys, "columns"))
    strict_files = security.Cipher(security.purpose_keys(rt.settings.encryption_keys, "files"))
    with rt.db.transaction() as session:
        for enc in keys.encrypted_tables():
            raw_cols = list(enc.columns)
            for row in session.execute(select(*(enc.table.c[c.name] for c in raw_cols))).all():
                for col, value in zip(raw_cols, row, strict=True):  # EncryptedText & co decrypt on load
                    if value is not None and isinstance(col.type, SealedBytes):
                        strict_columns.decrypt(value)
        person = session.get(RightsRequest, request_id).subject
        assert (person.given_names, person.phone) == ("Zephyrine", LEGACY_PHONE)
    for path in Path(settings.upload_dir).rglob("*.bin"):
        strict_files.decrypt(path.read_bytes())


def test_rotation_resumes_is_idempotent_and_lets_the_old_key_go(rt, settings) -> None:  # type: ignore[no-untyped-def]
    request_id = _seed(rt, settings)
    values = _stored_values(rt)
    assert values >= 20  # names, details, note, file name, terms, title, text, outbox, TOTP secret, draft...
    old, new = settings.encryption_keys[0], security.generate_key()
    both = _with_keys(settings, [new, old])

    first = keys.rotate(both.db, both.settings, limit=4)  # stops part-way, as an interrupted run would
    assert not first.finished
    assert "in progress" in keys.status(both.db, both.settings)["parts"].values()
    rest = keys.rotate(both.db, both.settings)
    assert rest.finished and not rest.already_done

    def in_tables(report: keys.Report, outcome: str) -> int:
        return sum(c.get(outcome, 0) for part, c in report.parts.items() if part.startswith("table:"))

    # Counts accumulate across the two runs: every stored value once, the legacy phone number encrypted.
    assert in_tables(rest, "encrypted") == 1
    assert in_tables(rest, "rotated") == values - 1
    assert rest.totals().get("unreadable", 0) == 0
    assert rest.parts["files"]["rotated"] == 3  # the passport, the record's file, the legacy upload
    assert rest.parts["index:people"]["reindexed"] == 1
    assert set(keys.status(both.db, both.settings)["parts"].values()) == {"done"}

    again = keys.rotate(both.db, both.settings)
    assert again.already_done and again.finished
    walked = keys.rotate(both.db, both.settings, restart=True)  # walks everything again: all of it current
    assert walked.finished and walked.totals().get("rotated", 0) == walked.totals().get("encrypted", 0) == 0
    assert in_tables(walked, "current") == values and walked.parts["files"]["current"] == 3
    assert walked.parts["index:people"]["current"] == 1

    with both.db.engine.connect() as conn:  # nothing readable is left of the legacy value
        assert LEGACY_PHONE not in str(conn.execute(text("SELECT phone FROM people")).all())

    only_new = _with_keys(settings, [new])
    _everything_opens_with(only_new, settings, request_id)
    with only_new.db.transaction() as session:  # the name index and the duplicate digest moved too
        page = list_cases(session, CaseFilter(q="quill", stage="all"), date(2026, 3, 10))
        assert [r.id for r in page.rows] == [request_id]
        assert find_possible_duplicate(session, make_person(**SUBJECT), date(2026, 3, 3)).id == request_id
        session.rollback()
    with pytest.raises(ValueError, match="unknown key"):  # and the old key really is gone from that runtime
        security.cipher_for([new]).decrypt(security.cipher_for([old]).encrypt(b"x"))
    only_new.db.dispose()
    both.db.dispose()


def test_a_run_that_dies_commits_nothing_half_done_and_the_next_finishes(rt, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    request_id = _seed(rt, settings)
    both = _with_keys(settings, [security.generate_key(), settings.encryption_keys[0]])
    real = keys._rotate_file
    calls = {"n": 0}

    def dies_on_the_second_file(cipher: security.Cipher, path: Path) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk went away")
        return real(cipher, path)

    monkeypatch.setattr(keys, "_rotate_file", dies_on_the_second_file)
    with pytest.raises(OSError, match="disk went away"):
        keys.rotate(both.db, both.settings)
    monkeypatch.setattr(keys, "_rotate_file", real)
    report = keys.rotate(both.db, both.settings)
    assert report.finished and report.totals().get("unreadable", 0) == 0
    assert report.parts["files"].get("rotated", 0) + report.parts["files"].get("current", 0) == 3
    _everything_opens_with(_with_keys(settings, [both.settings.encryption_keys[0]]), settings, request_id)
    with both.db.transaction() as session:
        assert session.scalar(select(Person.match_key).where(Person.id == session.get(
            RightsRequest, request_id).subject_id)) is not None
    both.db.dispose()


def test_a_value_no_key_opens_is_reported_and_never_claimed_rotated(rt, settings) -> None:  # type: ignore[no-untyped-def]
    _seed(rt, settings)
    with rt.db.engine.begin() as conn:  # ciphertext from a key nobody configured
        foreign = Fernet(Fernet.generate_key()).encrypt(b"?").decode()
        conn.execute(text("UPDATE notes SET body = :b"), {"b": foreign})
    both = _with_keys(settings, [security.generate_key(), settings.encryption_keys[0]])
    report = keys.rotate(both.db, both.settings)
    assert report.parts["table:notes"]["unreadable"] == 1
    with both.db.engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM notes")).scalar() == foreign  # left exactly as it was
    both.db.dispose()


def test_upgrading_a_database_from_before_encryption_keeps_it_readable_then_rotate_encrypts_it(settings) -> None:  # type: ignore[no-untyped-def]
    """Migration 0067 on rows an older release wrote in the clear: readable at once, encrypted by the rotation."""
    from rights import migrate
    from tests.conftest import scratch_database

    with scratch_database("rights_upgrade") as url:
        migrate.upgrade(url, "0064")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO people (id, given_names, family_name, previous_names, date_of_birth, addresses, email, "
                "identifiers) VALUES (1, 'Zephyrine', 'Quillfeather', '[\"Smith\"]', '2011-04-17', "
                "'[{\"lines\": [\"4 Larkspur Row\"], \"postcode\": \"EX9 4QZ\", \"current\": true}]', "
                "'zephyrine.q@example.net', '{\"nhs_number\": \"9434765919\"}')"))
            conn.execute(text(
                "INSERT INTO requests (id, reference, kind, channel, status, received_at, received_on, subject_id, "
                "requester_id, requester_role, authority_basis, id_verified, authority_verified, details, services, "
                "contact_method, clock_provisional, created_at, updated_at) VALUES (1, 'SAR-2025-00001', 'access', "
                "'web', 'review', now(), '2025-05-01', 1, 1, 'self_adult', 'none_needed', false, false, "
                "'{\"what\": \"Zephyrine''s file\"}', '[]', 'email', false, now(), now())"))
        migrate.upgrade(url)
        upgraded = _with_keys(dataclasses.replace(settings, database_url=url), settings.encryption_keys)
        with upgraded.db.transaction() as session:  # readable straight after the upgrade
            person = session.get(Person, 1)
            assert (person.given_names, person.date_of_birth, person.previous_names) == (
                "Zephyrine", date(2011, 4, 17), ["Smith"])
            assert person.addresses[0]["postcode"] == "EX9 4QZ"
            assert session.get(RightsRequest, 1).details == {"what": "Zephyrine's file"}
        report = keys.rotate(upgraded.db, upgraded.settings)
        assert report.finished and report.parts["table:people"]["encrypted"] == 7
        assert report.parts["table:requests"]["encrypted"] == 1 and report.parts["index:people"]["reindexed"] == 1
        with engine.connect() as conn:
            raw = str(conn.execute(text("SELECT * FROM people")).all()) + str(
                conn.execute(text("SELECT details FROM requests")).all())
        assert not any(s in raw for s in ("Zephyrine", "Quillfeather", "2011-04-17", "Larkspur", "9434765919"))
        with upgraded.db.transaction() as session:  # and found by name, as a new case would be
            page = list_cases(session, CaseFilter(q="zephyr", stage="all"), date(2026, 3, 10))
            assert [r.reference for r in page.rows] == ["SAR-2025-00001"]
        upgraded.db.dispose()
        engine.dispose()
