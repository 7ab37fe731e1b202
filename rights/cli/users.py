"""``rights users``: staff accounts from the command line (the first administrator, and recovery).

A council's first account has to come from somewhere: ``rights users create --role admin`` makes it, and
the administrator makes the rest in the dashboard. The one-time password is printed once; the person
sets up their authenticator and chooses their own password at first sign-in.
"""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from rights import runtime, users
from rights.cli.errors import USAGE, OneLineError
from rights.models import Role, User

ACTOR = "cli"


@click.group("users")
def users_group() -> None:
    """Staff accounts: create, list, reset password or MFA, deactivate."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default=None, help="Full name (defaults to the email's local part).")
@click.option("--service", "services", multiple=True,
              help="A service a record holder holds records for (repeat for several).")
def create(email: str, role: str, name: str | None, services: tuple[str, ...]) -> None:
    """Create an account and print its one-time initial password."""
    rt = runtime.current()
    try:
        with rt.db.transaction() as session:
            user, password = users.create_user(session, email=email, role=role, name=name, services=services,
                                               actor=ACTOR)
            email, user_id = user.email, user.id
    except users.UserError as exc:
        raise OneLineError(str(exc), USAGE) from None
    click.echo(f"created user {user_id}: {email} ({role})")
    click.echo(f"one-time password: {password}")
    click.echo("It works once, for 7 days: at first sign-in (/staff/sign-in) they set up an authenticator app "
               "and choose their own password.")


@users_group.command("list")
def list_users() -> None:
    """List accounts: id, email, role, services, active, authenticator set up."""
    with runtime.current().db.transaction() as session:
        for u in session.scalars(select(User).order_by(User.id)):
            services = ",".join(u.services or []) or "-"
            click.echo(f"{u.id}\t{u.email}\t{u.role}\t{services}\t"
                       f"{'active' if u.active else 'inactive'}\t{'mfa' if u.mfa_enrolled else 'no-mfa'}")


def _user_id(session: Session, email: str) -> int:
    found = session.scalar(select(User.id).where(User.email == users.normalise_email(email)))
    if found is None:
        raise OneLineError(f"no account with email {email}", USAGE)
    return int(found)


@users_group.command("reset-password")
@click.option("--email", required=True)
def reset_password(email: str) -> None:
    """Issue a new one-time password (signs the person out everywhere)."""
    with runtime.current().db.transaction() as session:
        password = users.reset_password(session, _user_id(session, email), actor=ACTOR)
    click.echo(f"one-time password: {password}")


@users_group.command("reset-mfa")
@click.option("--email", required=True)
def reset_mfa(email: str) -> None:
    """Forget the authenticator; a new one is set up at next sign-in."""
    with runtime.current().db.transaction() as session:
        users.reset_mfa(session, _user_id(session, email), actor=ACTOR)
    click.echo(f"{email} will set up a new authenticator at next sign-in")


@users_group.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Stop an account signing in (and end its sessions)."""
    with runtime.current().db.transaction() as session:
        users.set_active(session, _user_id(session, email), False, actor=ACTOR)
    click.echo(f"{email} deactivated")
