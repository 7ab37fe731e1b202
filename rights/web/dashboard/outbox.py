"""The outbox page for administrators: statuses, failures and an audited resend (logic in rights.notify)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from forms.dashboard import ConfirmForm
from rights import audit
from rights.models import Role
from rights.notify import ResendRefused, resend
from rights.notify import admin as outbox_admin
from rights.web.access import staff
from rights.web.dashboard import bp
from rights.web.helpers import actor, client_ip, rt


@bp.get("/admin/outbox")
@staff(Role.ADMIN)
def admin_outbox() -> Any:
    status = request.args.get("status")
    if status is not None and status not in outbox_admin.STATUSES:
        status = None
    with rt().db.transaction() as db_session:
        summary = outbox_admin.counts(db_session)
        messages = outbox_admin.rows(db_session, status)
        audit.record(db_session, actor(), "outbox.viewed", target="outbox", detail={"status": status},
                     ip=client_ip())
    return render_template("dashboard/admin/outbox.html", summary=summary, messages=messages, status=status,
                           form=ConfirmForm(), title="Outbox", active_nav="admin")


@bp.post("/admin/outbox/<int:message_id>/resend")
@staff(Role.ADMIN)
def admin_outbox_resend(message_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with rt().db.transaction() as db_session:
            resend(db_session, rt().queue, message_id, actor=actor(), ip=client_ip())
    except ResendRefused as exc:
        flash(str(exc), "info")
    else:
        flash(f"Message {message_id} will be sent again.", "success")
    return redirect(url_for("dashboard.admin_outbox"))
