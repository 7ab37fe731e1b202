"""Personal data encrypted in every table; name digests for search; the retention tombstone and legal hold;
key rotation progress; the audit trail no longer bound to live requests.

Revision ID: 0067
Revises: 0064
Create Date: 2026-12-01

Why: issue 15 items 5 and 6. Columns that hold what people told us (names, dates of birth, addresses,
contact details, identifiers, the request's details, reasons, notes, file names, search terms, candidate
identities, record titles and metadata, outbox recipients and subjects, job arguments and errors) become
text holding a Fernet token (``rights.models.EncryptedText`` and friends). The values already there are
turned into text in place and stay readable (the column types read a value that is not a token as it
is); ``rights keys rotate`` then encrypts them, and re-encrypts everything older under the newest key.
Upgrade with ``rights db upgrade`` then ``rights keys rotate``.

The people's trigram indexes go (they would index ciphertext); ``person_search_keys`` holds keyed digests
of name prefixes instead, and ``people.match_key`` the duplicate check's digest. They are filled for old
rows by ``rights keys rotate`` (the case list finds an old case by name once it has run).

``audit_events.request_id`` loses its foreign key: retention deletes a closed case after its period, and
the append-only trail must keep its entries about it (with the id, and the reference in ``target``).
``purged_requests`` is the tombstone that says what each purged id was; ``requests.legal_hold_*`` keeps
a case from the purge; ``gathered_records.keep_days`` is a source's own retention of what a record copies
(CCTV footage, 14 days), which the copy then follows once its case has closed. On SQLite ``requests`` becomes
AUTOINCREMENT so a purged id is never given to a new request. Downgrading is for a database whose rows
were not yet encrypted (tokens are not JSON or dates).
"""
import sqlalchemy as sa
from alembic import op

import rights.models

revision = "0067"
down_revision = "0066_signin_state"
branch_labels = None
depends_on = None

#: table -> columns that become text: (name, type before, nullable).
TO_TEXT = {
    "people": [("given_names", sa.String(200), False), ("family_name", sa.String(200), False),
               ("previous_names", sa.JSON(), False), ("date_of_birth", sa.Date(), True),
               ("addresses", sa.JSON(), False), ("email", sa.String(254), True), ("phone", sa.String(40), True),
               ("identifiers", sa.JSON(), False), ("organisation", sa.String(200), True)],
    "requests": [("details", sa.JSON(), False)],
    "documents": [("filename", sa.String(255), False)],
    "search_tasks": [("terms", sa.JSON(), False)],
    "search_candidates": [("identity", sa.JSON(), False), ("extra", sa.JSON(), False),
                          ("explanation", sa.JSON(), False)],
    "gathered_records": [("title", sa.String(500), False), ("file_name", sa.String(255), True),
                         ("metadata", sa.JSON(), False)],
    "outbox_messages": [("to", sa.String(254), False), ("subject", sa.String(300), False)],
    "job_runs": [("args", sa.JSON(), False)],
}
TRIGRAM = ("ix_people_given_names_trgm", "ix_people_family_name_trgm")
OPEN_PREDICATE = "status NOT IN ('closed', 'withdrawn', 'refused', 'released')"
AUDIT_FK = "fk_audit_events_request_id_requests"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _as_text(column: str, before: sa.types.TypeEngine) -> str:
    quoted = f'"{column}"'
    return f"to_char({quoted}, 'YYYY-MM-DD')" if isinstance(before, sa.Date) else f"{quoted}::text"


def _audit_triggers_sqlite() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def upgrade() -> None:
    postgres = _postgres()
    for name in TRIGRAM:
        op.drop_index(name, table_name="people")
    if not postgres:
        op.drop_index("ix_requests_open_due", table_name="requests")
    for table, columns in TO_TEXT.items():
        if postgres:
            for column, before, nullable in columns:
                op.alter_column(table, column, type_=sa.Text(), existing_type=before, existing_nullable=nullable,
                                postgresql_using=_as_text(column, before))
        else:
            kwargs = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}} if table == "requests" else {}
            with op.batch_alter_table(table, **kwargs) as batch:
                for column, before, nullable in columns:
                    batch.alter_column(column, type_=sa.Text(), existing_type=before, existing_nullable=nullable)
    if not postgres:
        open_only = sa.text(OPEN_PREDICATE)
        op.create_index("ix_requests_open_due", "requests", ["due_on", "id"], unique=False, sqlite_where=open_only)

    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("match_key", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_people_match_key"), ["match_key"], unique=False)
    with op.batch_alter_table("gathered_records") as batch:
        batch.add_column(sa.Column("keep_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("legal_hold_since", rights.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("legal_hold_reason", rights.models.EncryptedText(), nullable=True))

    op.create_table(
        "person_search_keys",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_search_keys_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "key", name=op.f("pk_person_search_keys")),
    )
    op.create_index("ix_person_search_keys_key", "person_search_keys", ["key"], unique=False)
    op.create_table(
        "purged_requests",
        sa.Column("request_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("closed_at", rights.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("purged_at", rights.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purged_by", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("deleted", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_purged_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_purged_requests_reference")),
    )
    op.create_table(
        "key_rotation_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("part", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("started_at", rights.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", rights.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", rights.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_rotation_steps")),
    )
    op.create_index("uq_key_rotation_steps_key_part", "key_rotation_steps", ["key_id", "part"], unique=True)

    if postgres:
        op.drop_constraint(AUDIT_FK, "audit_events", type_="foreignkey")
    else:  # the copy drops the append-only triggers with the old table: put them back
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.drop_constraint(AUDIT_FK, type_="foreignkey")
        _audit_triggers_sqlite()


def downgrade() -> None:
    postgres = _postgres()
    if postgres:
        op.create_foreign_key(AUDIT_FK, "audit_events", "requests", ["request_id"], ["id"])
    else:
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.create_foreign_key(AUDIT_FK, "requests", ["request_id"], ["id"])
        _audit_triggers_sqlite()
    op.drop_index("uq_key_rotation_steps_key_part", table_name="key_rotation_steps")
    op.drop_table("key_rotation_steps")
    op.drop_table("purged_requests")
    op.drop_index("ix_person_search_keys_key", table_name="person_search_keys")
    op.drop_table("person_search_keys")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("legal_hold_reason")
        batch.drop_column("legal_hold_since")
    with op.batch_alter_table("gathered_records") as batch:
        batch.drop_column("keep_days")
    with op.batch_alter_table("people") as batch:
        batch.drop_index(batch.f("ix_people_match_key"))
        batch.drop_column("match_key")
    for table, columns in TO_TEXT.items():
        if postgres:
            for column, before, nullable in columns:
                using = f'"{column}"::date' if isinstance(before, sa.Date) else (
                    f'"{column}"::json' if isinstance(before, sa.JSON) else None)
                op.alter_column(table, column, type_=before, existing_type=sa.Text(), existing_nullable=nullable,
                                postgresql_using=using)
        else:
            with op.batch_alter_table(table) as batch:
                for column, before, nullable in columns:
                    batch.alter_column(column, type_=before, existing_type=sa.Text(), existing_nullable=nullable)
    for name, column in zip(TRIGRAM, ("given_names", "family_name"), strict=True):
        if postgres:
            op.create_index(name, "people", [column], unique=False, postgresql_using="gin",
                            postgresql_ops={column: "gin_trgm_ops"})
        else:
            op.create_index(name, "people", [column], unique=False)
