"""``rights users``: staff accounts from the command line (the first administrator, and recovery).

A council's first account has to come from somewhere: ``rights users create --role admin`` makes it, and
the administrators make the rest in the dashboard (two of them for each account and each reset). Nobody is
shown a password: the person is emailed a single-use link to choose one, then sets up an authenticator at
first sign-in. Whoever runs these commands already holds the server, its database and its keys, so the
changes are made at once (audited as ``cli``), and ``--print-link`` prints the link instead of only
emailing it, for the first administrator of a server whose mail is not set up yet.
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
@click.option("--print-link", is_flag=True, help="Also print the set-password link (mail not set up yet).")
def create(email: str, role: str, name: str | None, services: tuple[str, ...], print_link: bool) -> None:
    """Create an account and email its holder a link to choose a password."""
    rt = runtime.current()
    try:
        with rt.db.transaction() as session:
            user = users.create_user(session, email=email, role=role, name=name, services=services, actor=ACTOR)
            link = users.apply_now(session, rt.queue, user.id, "first_password", actor=ACTOR)
            email, user_id = user.email, user.id
    except users.UserError as exc:
        raise OneLineError(str(exc), USAGE) from None
    click.echo(f"created user {user_id}: {email} ({role})")
    _told(email, link, print_link)
    click.echo("At first sign-in (/staff/sign-in) they set up an authenticator app.")


def _told(email: str, link: str | None, print_link: bool) -> None:
    days = users.LINK_LIFETIME.days
    click.echo(f"emailed {email} a link to choose a password (it works once, for {days} days)")
    if print_link and link:
        click.echo(f"set-password link: {link}")


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
@click.option("--print-link", is_flag=True, help="Also print the set-password link.")
def reset_password(email: str, print_link: bool) -> None:
    """Reset the password now: it stops working, the person is signed out and emailed a link to choose one."""
    rt = runtime.current()
    with rt.db.transaction() as session:
        link = users.apply_now(session, rt.queue, _user_id(session, email), "password", actor=ACTOR)
    _told(email, link, print_link)


@users_group.command("reset-mfa")
@click.option("--email", required=True)
def reset_mfa(email: str) -> None:
    """Forget the authenticator now; a new one is set up at next sign-in (the person is emailed)."""
    rt = runtime.current()
    with rt.db.transaction() as session:
        users.apply_now(session, rt.queue, _user_id(session, email), "mfa", actor=ACTOR)
    click.echo(f"{email} will set up a new authenticator at next sign-in; they have been emailed")


@users_group.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Stop an account signing in (and end its sessions)."""
    with runtime.current().db.transaction() as session:
        users.set_active(session, _user_id(session, email), False, actor=ACTOR)
    click.echo(f"{email} deactivated")
