"""Case services: what staff do to a request, each step checked by the workflow table.

Owns: the actions (:mod:`.actions`: :func:`perform`, the facts and effects; :mod:`.events`: one thin
function per event), notes (:mod:`.notes`), logging a request
received outside the portal (:mod:`.logged`), the disclosure log (:mod:`.disclosures`), the timeline and
audit trail (:mod:`.timeline`), and finding a case or document as the person acting may see it
(:mod:`.lookup`). Refusals are :mod:`rights.errors`; who may do what is :mod:`rights.permissions`.

Imports: the domain below it (workflow, permissions, models, audit, jobs, intake, search, notify);
never the web layer, the case list or reports. Nothing here imports Flask; the caller owns the
transaction, so a refused action leaves nothing behind.
"""

from rights.cases.actions import (
    ART19_KINDS,
    ActionResult,
    available_actions,
    facts_for,
    letter_context,
    perform,
    prepared_by,
    queue_letter,
    recipients_pending,
)
from rights.cases.corrections import SubjectCorrection, correct_subject
from rights.cases.decisions import blocked_by, checklist, decisions_made
from rights.cases.disclosures import disclosures, record_disclosure, record_recipient_told
from rights.cases.events import (
    ask_for_identity,
    assign,
    extend,
    pause,
    record_id_received,
    refuse,
    resume,
    search_systems,
    withdraw,
)
from rights.cases.logged import LOGGED_CHANNELS, LoggedRequest, log_request
from rights.cases.lookup import find_case, open_document, services_cases, view_case
from rights.cases.notes import add_note
from rights.cases.summary import case_summary
from rights.cases.timeline import TimelineEntry, case_audit, timeline
from rights.errors import CaseAccessDenied, CaseError, CaseNotFound, OtherCase
from rights.permissions import Actor, can_open_document, can_see_request
from rights.staff import assignable_staff, staff_names
from rights.workflow import Firing

__all__ = [
    "ART19_KINDS",
    "LOGGED_CHANNELS",
    "ActionResult",
    "Actor",
    "CaseAccessDenied",
    "CaseError",
    "CaseNotFound",
    "Firing",
    "LoggedRequest",
    "OtherCase",
    "SubjectCorrection",
    "TimelineEntry",
    "add_note",
    "ask_for_identity",
    "assign",
    "assignable_staff",
    "available_actions",
    "blocked_by",
    "can_open_document",
    "can_see_request",
    "case_audit",
    "case_summary",
    "checklist",
    "correct_subject",
    "decisions_made",
    "disclosures",
    "extend",
    "facts_for",
    "find_case",
    "letter_context",
    "log_request",
    "open_document",
    "pause",
    "perform",
    "prepared_by",
    "queue_letter",
    "recipients_pending",
    "record_disclosure",
    "record_id_received",
    "record_recipient_told",
    "refuse",
    "resume",
    "search_systems",
    "services_cases",
    "staff_names",
    "timeline",
    "view_case",
    "withdraw",
]
