"""The data model: SQLAlchemy 2 typed models, migrated by Alembic (``rights/migrations``), one module per area.

Names come from the domain. The database is the source of truth: a request's due date is a cache
recomputed from its clock events, and every background job is mirrored by a :class:`JobRun` row so a
lost Redis loses no work.

Every area module is imported here, so ``from rights.models import X`` works for every model and
SQLAlchemy's metadata (which Alembic and the tests compare with the migrations) holds every table. A new
area (redaction, bundles, retention, the schedule) adds its module and one import line below.

Imports: :mod:`rights.vocabulary`, :mod:`rights.workflow` (closed stages) and, lazily, the field cipher.
"""

from rights.models.base import (
    ENCRYPTED_TYPES,
    NAMING,
    Base,
    EncryptedDate,
    EncryptedJSON,
    EncryptedText,
    SealedBytes,
    UTCDateTime,
    escape_like,
    new_id,
    utcnow,
)
from rights.models.bundles import BundleVersion, DownloadLink
from rights.models.grants import Grant
from rights.models.operations import AuditEvent, AuditHead, JobRun, OutboxMessage
from rights.models.people_index import PersonSearchKey
from rights.models.portal import PortalDraft, ProgressCode
from rights.models.post import PostItem
from rights.models.redaction import PageRegion, RecordDecision, Redaction
from rights.models.requests import (
    REFERENCE_PREFIX,
    ClockEvent,
    Disclosure,
    Document,
    Note,
    Person,
    ReferenceCounter,
    RightsRequest,
    WorkflowEvent,
    names_service,
)
from rights.models.retention import KeyRotationStep, PurgedRequest
from rights.models.schedule import ScheduleRun
from rights.models.search import GatheredRecord, SearchCandidate, SearchTask
from rights.models.staff import AccountChange, SignInThrottle, StaffSession, User
from rights.vocabulary import (
    AuthorityBasis,
    Channel,
    ClockEventKind,
    JobStatus,
    RequesterRole,
    RequestKind,
    Role,
    SearchStatus,
)

__all__ = [
    "ENCRYPTED_TYPES",
    "NAMING",
    "REFERENCE_PREFIX",
    "AccountChange",
    "AuditEvent",
    "AuditHead",
    "AuthorityBasis",
    "Base",
    "BundleVersion",
    "Channel",
    "ClockEvent",
    "ClockEventKind",
    "Disclosure",
    "Document",
    "DownloadLink",
    "EncryptedDate",
    "EncryptedJSON",
    "EncryptedText",
    "GatheredRecord",
    "Grant",
    "JobRun",
    "JobStatus",
    "KeyRotationStep",
    "Note",
    "OutboxMessage",
    "PageRegion",
    "Person",
    "PersonSearchKey",
    "PortalDraft",
    "PostItem",
    "ProgressCode",
    "PurgedRequest",
    "RecordDecision",
    "Redaction",
    "ReferenceCounter",
    "RequestKind",
    "RequesterRole",
    "RightsRequest",
    "Role",
    "ScheduleRun",
    "SealedBytes",
    "SearchCandidate",
    "SearchStatus",
    "SearchTask",
    "SignInThrottle",
    "StaffSession",
    "UTCDateTime",
    "User",
    "WorkflowEvent",
    "escape_like",
    "names_service",
    "new_id",
    "utcnow",
]
