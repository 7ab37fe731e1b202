"""One letter to the requester, by every channel they chose: email (the outbox), post (the post queue).

Every letter the portal or the workflow sends goes through :func:`send_letter`, so "the requester chose
post" is decided in one place and a letter with neither an email nor a postal address is recorded (audit
``letter.no_address``) and reported to the officer, never skipped in silence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from rights import audit
from rights.jobs import JobQueue
from rights.models import RightsRequest
from rights.notify.outbox import base_context, queue_email
from rights.notify.post import Delivery, queue_letter_by_post, wants_email, wants_post


def send_letter(session: Session, queue: JobQueue, request: RightsRequest, template: str,
                context: dict[str, Any], *, key: str) -> Delivery:
    """Queue ``template`` to the requester by email and/or post in this transaction. Idempotent on ``key``."""
    emailed = posted = False
    if wants_email(request):
        queue_email(session, queue, key=key, to=str(request.requester.email), template=template,
                    context={**context, "by_post": False}, request_id=request.id)
        emailed = True
    if wants_post(request):
        posted = queue_letter_by_post(session, request, template, {**context, "by_post": True}, key=key,
                                      base_context=base_context()) is not None
    delivery = Delivery(emailed=emailed, posted=posted)
    if delivery.unsent:
        audit.record(session, "system", "letter.no_address", request_id=request.id, target=request.reference,
                     detail={"template": template})
    return delivery
