"""Helpers shared by the portal's views: settings, drafts, uploads, limits and the error summary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import session, url_for
from markupsafe import Markup, escape
from wtforms import Form

from rights import config, journey
from rights.clock import long_date
from rights.drafts import Drafts
from rights.models import Document
from rights.security import EncryptedStore
from rights.uploads import human_size
from rights.web.helpers import rt
from rights.web.portal import bp

DRAFT_KEY = "draft"

def settings() -> config.Settings:
    return rt().settings


def drafts() -> Drafts:
    s = settings()
    return Drafts(rt().cipher, timedelta(minutes=s.session_idle_minutes))


def file_store() -> EncryptedStore:
    return rt().files


def draft_token() -> str | None:
    token = session.get(DRAFT_KEY)
    return token if isinstance(token, str) else None


def max_upload_text() -> str:
    return human_size(settings().max_upload_bytes)


def add_error(form: Form, field: Any, message: str) -> None:
    """Add an error after validation (WTForms caches ``form.errors``; reset it)."""
    field.errors = [*list(field.errors or []), message]
    form._errors = None  # type: ignore[attr-defined]


def _href(field: Any) -> str:
    from forms.portal import GovDateField

    if isinstance(field, GovDateField):
        parts = field.wrong_parts or ("day",)
        return f"#{field.name}-{parts[0]}"
    return f"#{field.id}"


@bp.app_template_global()
def error_summary(form: Form) -> dict[str, Any]:
    """GOV.UK error summary parameters: each error links to its field (the first box of a date)."""
    if any(isinstance(field.errors, dict) or (field.errors and not isinstance(field.errors[0], str))
           for field in form):
        from govuk_frontend_wtf.main import wtforms_errors  # subforms: the library's own flattening

        return dict(wtforms_errors(form))
    items = [{"text": field.errors[0], "href": _href(field)} for field in form if field.errors]
    return {"titleText": "There is a problem", "errorList": items}


@bp.app_template_filter()
def lines(value: str | list[str] | None) -> Markup:
    """Text with its line breaks kept, escaped (for summary lists and status messages)."""
    if not value:
        return Markup("")
    parts = value if isinstance(value, list) else str(value).splitlines()
    return Markup("<br>").join(escape(p) for p in parts)


@bp.app_template_filter("long_date")
def long_date_filter(value: date) -> str:
    """"Friday 10 April 2026": the form used in letters and on the confirmation page."""
    return long_date(value)


def step_url(step: str, changing: bool = False) -> str:
    if step == journey.CHECK:
        return url_for("portal.check")
    return url_for("portal.question", step=step, change="1" if changing else None)


def uploaded_documents(ids: list[int]) -> list[Document]:
    """The uploaded documents with these ids, detached from the session, for a page to list."""
    if not ids:
        return []
    with rt().db.transaction() as db_session:
        docs = db_session.query(Document).filter(Document.id.in_(ids)).order_by(Document.id).all()
        db_session.expunge_all()
    return docs
