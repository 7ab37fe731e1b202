"""The database role the app runs as: everything it needs, and no way to rewrite the audit trail.

Why a second role: the append-only trigger on ``audit_events`` binds every role but the table's owner (and
superusers), who can disable it, delete entries and recompute the chain. Migrations run as the owner; the
web app and the workers run as a role that may only INSERT and SELECT on ``audit_events``, so neither a
bug nor an attacker holding the app's connection can remove evidence. PostgreSQL only: SQLite (the demo)
has no roles.

``rights db grant-app ROLE`` (run as the owner after each ``rights db upgrade``) gives the role the rights
below; production refuses to start while its own role could rewrite the trail (:func:`problems`).
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

AUDIT_TABLE = "audit_events"
_ROLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class RoleError(ValueError):
    """The role cannot be given the app's rights; the message says why."""


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Grant ``role`` the app's rights on every table of the current schema, bar changing the audit trail.

    Idempotent: run it again after each migration, since a new table needs its grant. Returns the
    statements run (the CLI prints them).
    """
    if engine.dialect.name != "postgresql":
        raise RoleError("database roles are a PostgreSQL feature; the SQLite demo has none")
    if not _ROLE.fullmatch(role):
        raise RoleError(f"{role!r} is not a plain role name (letters, digits and underscores)")
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            raise RoleError(f"there is no role {role}: create it first (CREATE ROLE {role} LOGIN PASSWORD ...)")
        if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
            raise RoleError(f"{role} is a superuser: it could rewrite the audit trail whatever it is granted")
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = :s AND tablename = :t"),
                             {"s": schema, "t": AUDIT_TABLE}).scalar()
        if owner is None:
            raise RoleError("the database has no audit table yet: run `rights db upgrade` first")
        if owner == role:
            raise RoleError(f"{role} owns the audit table: run migrations as another role and the app as {role}")
        statements = [
            f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
            f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
            f'REVOKE ALL ON "{schema}".{AUDIT_TABLE} FROM "{role}"',
            f'GRANT SELECT, INSERT ON "{schema}".{AUDIT_TABLE} TO "{role}"',
            f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "{schema}".alembic_version FROM "{role}"',
        ]
        for statement in statements:
            conn.execute(text(statement))
    return statements


def problems(conn: Connection) -> list[str]:
    """Why the connection's role could rewrite the audit trail ([] on SQLite or a properly limited role)."""
    if conn.dialect.name != "postgresql":
        return []
    row = conn.execute(text(
        "SELECT current_user, r.rolsuper, t.tableowner, "
        "has_table_privilege(:t, 'UPDATE'), has_table_privilege(:t, 'DELETE'), has_table_privilege(:t, 'TRUNCATE') "
        "FROM pg_roles r LEFT JOIN pg_tables t ON t.schemaname = current_schema() AND t.tablename = :t "
        "WHERE r.rolname = current_user"), {"t": AUDIT_TABLE}).one()
    user, superuser, owner, can_update, can_delete, can_truncate = row
    found = []
    if superuser:
        found.append(f"the database role {user} is a superuser")
    elif owner is not None and conn.execute(text("SELECT pg_has_role(:o, 'MEMBER')"), {"o": owner}).scalar():
        found.append(f"the database role {user} owns the audit table")
    elif can_update or can_delete or can_truncate:
        found.append(f"the database role {user} may update, delete or truncate audit entries")
    return found
