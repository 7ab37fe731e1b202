"""One clear line for the errors a newcomer meets running ``rights``, never a traceback.

The command line is often the first thing someone tries: a database that is not running or not migrated,
production settings half set, a mistyped Alembic revision or a broken sources file. Each of these raises a
specific exception deep in SQLAlchemy, Alembic or the settings; :func:`explain` turns the ones we know
into one sentence that names the fix, and :class:`RightsGroup` prints it with ``Error:`` and exits 1
(the environment is wrong) or 2 (what was typed is wrong). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import click
from alembic.util import CommandError
from flask.cli import FlaskGroup
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError

from rights.config import ConfigError

__all__ = ["OneLineError", "RightsGroup", "explain"]

#: Exit status when the environment (database, settings, files) is wrong.
ENVIRONMENT = 1
#: Exit status when what was typed is wrong (click uses 2 for usage errors).
USAGE = 2


class OneLineError(click.ClickException):
    """A ``click`` error printed as a single ``Error: ...`` line with a chosen exit status."""

    def __init__(self, message: str, exit_code: int = ENVIRONMENT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _safe_url(url: str) -> str:
    """The database URL without its password, for an error message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "DATABASE_URL"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def explain(exc: BaseException, database_url: str | None = None) -> OneLineError | None:
    """The one-line error for a known failure, or ``None`` for anything we cannot explain."""
    where = f" at {_safe_url(database_url)}" if database_url else ""
    if isinstance(exc, ConfigError):
        return OneLineError(str(exc).strip().splitlines()[0])
    if isinstance(exc, CommandError):
        detail = _first_line(exc)
        if "Can't locate revision" in detail or "No such revision" in detail or "not present" in detail:
            return OneLineError(
                f"unknown database revision: {detail} (use 'head', 'base' or a revision id that "
                f"`rights db current` prints)",
                USAGE,
            )
        return OneLineError(f"migration failed: {detail}")
    if isinstance(exc, OperationalError | ProgrammingError):
        detail = _first_line(exc)
        lowered = detail.lower()
        if "no such table" in lowered or ("does not exist" in lowered and "relation" in lowered):
            return OneLineError(
                f"the database{where} has not been set up for Rights Desk (or is behind): "
                f"run `rights db upgrade` first ({detail})"
            )
        if isinstance(exc, OperationalError):
            return OneLineError(
                f"cannot use the database{where}: {detail}. Check DATABASE_URL and that the server is running"
            )
        return OneLineError(f"the database{where} refused a query: {detail}. Run `rights db upgrade`?")
    if isinstance(exc, NoSuchModuleError | ArgumentError):
        return OneLineError(f"DATABASE_URL is not a database URL this install can use: {_first_line(exc)}")
    return None


def _database_url() -> str | None:
    """The configured database URL, if the settings load at all (for naming it in an error)."""
    try:
        from rights import config

        return config.load().database_url
    except Exception:  # the settings themselves are broken: the error names that instead
        return None


class RightsGroup(FlaskGroup):
    """Flask's command group, with known failures turned into one line (see :func:`explain`)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as exc:  # known ones are explained; the rest are re-raised unchanged
            from rights.sources.base import SourceError

            if isinstance(exc, SourceError):
                raise OneLineError(_first_line(exc)) from None
            explained = explain(exc, _database_url())
            if explained is None:
                raise
            raise explained from None
