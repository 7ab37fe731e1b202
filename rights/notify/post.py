"""The post queue: letters to print and post, for requesters who chose post or gave no email address.

Post is a channel like email, not an afterthought: every letter the workflow sends goes to the outbox
(email), to this queue (post), or both, and a letter with neither address is recorded as such and told to
the officer, never skipped in silence. Officers print the letters from the "to post" list and mark each
one posted with the day it went; both steps are audited. Queueing is idempotent on ``key`` like the
outbox, so a retried action never prints a letter twice.

Other code queues what it has to post with :func:`queue_post`. What is printed is named by ``document_ref``
when there is a PDF to print (:data:`DOCUMENT_PREFIX`: a workflow letter's PDF twin, attached by the job that
renders it; :data:`RESPONSE_PREFIX`: a released response's print pack, the approved letter then the bundle);
the plain text is printed only for a letter with no PDF (yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rights import audit
from rights.models import Person, PostItem, RightsRequest
from rights.notify.render import render

TO_POST = "to_post"
POSTED = "posted"
PRINT_PACK = "print_pack"  # the kind of a released response's entry (letter and bundle)
DOCUMENT_PREFIX = "document:"  # document_ref of a stored case document (a letter's PDF twin)
RESPONSE_PREFIX = "response:"  # document_ref of a released response version (its print pack)


class PostError(ValueError):
    """A post-queue step that cannot be done (the message says why, for the officer)."""


def postal_address(person: Person | None) -> list[str]:
    """The person's current postal address as printable lines (postcode last); [] when there is none."""
    if person is None:
        return []
    addresses = [a for a in (person.addresses or []) if isinstance(a, dict)]
    current = next((a for a in addresses if a.get("current")), addresses[0] if addresses else None)
    if current is None:
        return []
    lines = [str(line).strip() for line in current.get("lines", []) if str(line).strip()]
    postcode = str(current.get("postcode") or "").strip()
    return [*lines, postcode] if postcode else lines


def contact_methods(request: RightsRequest) -> set[str]:
    """How the requester asked to be contacted (the stored ``email,post`` as a set)."""
    return {m.strip() for m in (request.contact_method or "").split(",") if m.strip()}


def wants_post(request: RightsRequest) -> bool:
    """Letters go by post when the requester chose post or gave no email address."""
    email = request.requester.email if request.requester else None
    return "post" in contact_methods(request) or not email


def wants_email(request: RightsRequest) -> bool:
    """Letters go by email when there is an address and the requester did not choose post alone."""
    email = request.requester.email if request.requester else None
    return bool(email) and contact_methods(request) != {"post"}


def queue_post(session: Session, *, request_id: int | None, kind: str, key: str, address: Sequence[str],
               addressee: str, subject: str, text: str | None = None, document_ref: str | None = None,
               actor: str = "system") -> PostItem:
    """Put one letter (or print pack) on the "to post" list in this transaction. Idempotent on ``key``.

    ``address`` is the printable lines, postcode last; ``text`` the letter, ``document_ref`` a stored
    document to print with it. At least one of them is needed, and an address always is.
    """
    existing = session.scalars(select(PostItem).where(PostItem.key == key)).first()
    if existing is not None:
        return existing
    lines = [line.strip() for line in address if line and line.strip()]
    if not lines:
        raise PostError("There is no postal address to send this letter to.")
    if not text and not document_ref:
        raise PostError("A letter to post needs its text or a document to print.")
    item = PostItem(key=key, request_id=request_id, kind=kind, addressee=addressee.strip(),
                    address="\n".join(lines), subject=subject, text=text, document_ref=document_ref,
                    status=TO_POST)
    try:
        with session.begin_nested():  # a concurrent writer of the same key loses only this savepoint
            session.add(item)
    except IntegrityError:
        return session.scalars(select(PostItem).where(PostItem.key == key)).one()
    audit.record(session, actor, "post.queued", request_id=request_id, target=f"post:{item.id}",
                 detail={"kind": kind})
    return item


def post_key(key: str) -> str:
    """The "to post" entry's key of a letter sent under ``key`` (the outbox's key for the same letter)."""
    return f"post:{key}"


def queue_letter_by_post(session: Session, request: RightsRequest, template: str, context: dict[str, Any], *,
                         key: str, base_context: dict[str, Any]) -> PostItem | None:
    """Render an email template as a letter and queue it to the requester's address (None: no address)."""
    address = postal_address(request.requester)
    if not address:
        return None
    rendered = render(template, {**base_context, **context})
    return queue_post(session, request_id=request.id, kind=template, key=post_key(key), address=address,
                      addressee=request.requester.full_name, subject=rendered.subject, text=rendered.text)


def attach_document(session: Session, key: str, document_id: int) -> PostItem | None:
    """Name a letter's PDF twin on its "to post" entry, so the PDF is printed instead of the plain text."""
    item = session.scalars(select(PostItem).where(PostItem.key == key)).first()
    if item is not None and not item.document_ref:
        item.document_ref = f"{DOCUMENT_PREFIX}{document_id}"
    return item


def posted_on(session: Session, request_id: int, kinds: Sequence[str]) -> date | None:
    """The first day one of these letters to the requester went in the post (None: none posted yet)."""
    return session.scalars(select(PostItem.posted_on).where(
        PostItem.request_id == request_id, PostItem.kind.in_(list(kinds)), PostItem.status == POSTED,
        PostItem.posted_on.is_not(None)).order_by(PostItem.posted_on).limit(1)).first()


def to_post(session: Session) -> list[PostItem]:
    """Letters waiting to be printed and posted, oldest first."""
    return list(session.scalars(select(PostItem).where(PostItem.status == TO_POST).order_by(PostItem.id)))


def recently_posted(session: Session, limit: int = 20) -> list[PostItem]:
    """The latest letters marked posted, newest first (so a mistake is easy to spot)."""
    return list(session.scalars(select(PostItem).where(PostItem.status == POSTED)
                                .order_by(PostItem.posted_on.desc(), PostItem.id.desc()).limit(limit)))


def mark_posted(session: Session, item_id: int, *, on: date, today: date, actor: str,
                ip: str | None = None) -> PostItem:
    """Record that the letter went in the post on ``on`` (not after today), audited. Idempotent."""
    item = session.get(PostItem, item_id, with_for_update=True)
    if item is None:
        raise PostError("There is no such letter to post.")
    if item.status == POSTED:
        return item
    if on > today:
        raise PostError("The date posted cannot be in the future.")
    item.status, item.posted_on, item.posted_by = POSTED, on, actor
    audit.record(session, actor, "post.posted", request_id=item.request_id, target=f"post:{item.id}",
                 detail={"kind": item.kind, "posted_on": on}, ip=ip)
    return item


@dataclass(frozen=True)
class Delivery:
    """How one letter left: by email, by post, or (neither address known) not at all yet."""

    emailed: bool
    posted: bool

    @property
    def unsent(self) -> bool:
        return not (self.emailed or self.posted)
